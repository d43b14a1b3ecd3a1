import Adapters
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Runtime
import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

@testable import Transports

/// A daemon in-process with its HTTP surface: a real SQLite file, the kanban tracker (`MAE`), an
/// in-memory remote tracker (`MEM`), scripted agents and the orchestrator's loops.
struct HTTPHarness {
    let temporary: TemporaryStore
    let source: WorkflowSource
    let board: Board
    let runner: ScriptedAgentRunner
    let orchestrator: Orchestrator
    let api: RuntimeAPI
    var surface: HTTPSurface

    init(
        _ frontMatter: String = "", settings: HTTPSettings = HTTPSettings(port: 0),
        script: @escaping @Sendable (AgentRunRequest) -> [ScriptedAgentRunner.Step] = { _ in [.wait(.seconds(60))] }
    ) async throws {
        temporary = try TemporaryStore()
        let path = try temporary.write(
            """
            ---
            tracker:
              kind: kanban
            workspace:
              root: ./workspaces
            \(frontMatter)
            ---
            Implement {{ issue.identifier }}.
            """)
        let store = try temporary.open()
        source = try WorkflowSource(path: path, environment: [:])
        board = Orchestrator.daemonBoard(store: store, source: source)
        let source = source
        let kanban = KanbanProvider(board: board) { KanbanColumns(workflow: await source.current) }
        let providers = Providers([kanban, InMemoryTracker(board: board)])
        let moves = RuntimeAPI(board: board, providers: providers)
        runner = ScriptedAgentRunner(script: script) { identifier, state in _ = try await moves.moveIssue(identifier, to: state) }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let metrics = MaestroMetrics()
        orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source,
            environment: ["PATH": "/usr/bin:/bin", "HOME": temporary.directory.path], logger: logger, metrics: metrics.factory)
        api = RuntimeAPI(board: board, providers: providers, live: orchestrator)
        surface = HTTPSurface(api: api, settings: settings, metrics: metrics, logger: logger)
    }

    func cleanup() { temporary.cleanup() }

    /// Runs the daemon's loops around `body`, then shuts down.
    func running<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let orchestrator = orchestrator
        _ = try await orchestrator.recover()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await orchestrator.runJobs()
                return nil
            }
            group.addTask {
                try await orchestrator.runEffects()
                return nil
            }
            group.addTask {
                try await orchestrator.runScheduler()
                return nil
            }
            let result = try await body()
            await orchestrator.shutDown(timeout: .seconds(10))
            group.cancelAll()
            while !group.isEmpty { _ = try? await group.next() }
            return result
        }
    }

    /// Runs `body` with a client of the surface's router (no socket), and the streams' shared log
    /// tail beside it, as the surface runs it.
    func client<T: Sendable>(_ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await surface.tail.run(api) }
            defer { group.cancelAll() }
            return try await surface.application().test(setup, body)
        }
    }
}

/// A response read as text and, when it is JSON, as an object.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    /// The envelope's code, for failures.
    var code: String? { (object["error"] as? [String: Any])?["code"] as? String }
    var message: String? { (object["error"] as? [String: Any])?["message"] as? String }
}

extension TestClientProtocol {
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json body: String? = nil, headers: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = headers
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }
}

/// Keys of a JSON object, sorted.
func keys(_ value: Any?) -> [String] { (value as? [String: Any]).map { $0.keys.sorted() } ?? [] }
