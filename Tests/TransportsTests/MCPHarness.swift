import Adapters
import Foundation
import Logging
import MCP
import NIOCore
import NIOPosix
import Runtime
import RuntimeTesting
import ServiceLifecycle
import StateMachine
import Testing
import Transports
import WorkflowParser

/// A daemon in-process on a real SQLite file with the MCP endpoint on a real socket, and no process
/// spawned: a kanban project (`KAN`) and an in-memory tracker project (`MEM`, which cannot edit or
/// delete issues), agents are a ``ScriptedAgentRunner`` whose script depends on the issue's title.
struct MCPHarness {
    let temporary: TemporaryStore
    let store: Store
    let source: WorkflowSource
    let board: Board
    let runner: ScriptedAgentRunner
    let orchestrator: Orchestrator
    /// The daemon's API, with its live side unless the harness is board-only.
    let api: RuntimeAPI
    let lock: DaemonLock
    /// `MAESTRO_RUNTIME_DIR` for this harness: the socket lives below it.
    let runtimeDirectory: URL

    /// - Parameter live: false gives the MCP service an API without the orchestrator.
    init(live: Bool = true, frontMatter: String = "") async throws {
        temporary = try TemporaryStore()
        runtimeDirectory = URL(fileURLWithPath: "/tmp/mcp-\(UUID().uuidString.prefix(8))")
        let path = try temporary.write(
            """
            ---
            tracker:
              kind: kanban
            workspace:
              root: ./workspaces
            phases:
              review:
                prompt: "Review {{ issue.identifier }}."
              done:
                enabled: true
                prompt: "Finish {{ issue.identifier }}."
            \(frontMatter)
            ---
            Implement {{ issue.identifier }}.
            """)
        store = try temporary.open()
        lock = try DaemonLock(databasePath: store.path, workflow: path)
        source = try WorkflowSource(path: path, environment: [:])
        board = Orchestrator.daemonBoard(store: store, source: source)
        let kanban = KanbanProvider(board: board, columns: KanbanColumns(workflow: await source.current))
        let providers = Providers([kanban, InMemoryTracker(board: board, deletes: false)])
        let movesAPI = RuntimeAPI(board: board, providers: providers)
        runner = ScriptedAgentRunner(script: Self.script) { identifier, state in _ = try await movesAPI.moveIssue(identifier, to: state) }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source,
            environment: ["PATH": "/usr/bin:/bin", "HOME": temporary.directory.path], logger: logger)
        api = RuntimeAPI(board: board, providers: providers, live: live ? orchestrator : nil)
        _ = try await api.createProject(NewProject(name: "Kanban", key: "KAN"))
        _ = try await api.createProject(NewProject(name: "Memory", key: "MEM", provider: "memory"))
    }

    /// What the agent does, by the issue's title: `hang` keeps running, `ask` waits on a question,
    /// anything else goes through review to done in one turn per phase.
    static func script(_ request: AgentRunRequest) -> [ScriptedAgentRunner.Step] {
        if request.title.contains("hang") { return [.wait(.seconds(120))] }
        if request.title.contains("twice") {
            return [.ask(id: "q1", question: "Which cache?", options: ["redis"]), .ask(id: "q2", question: "Which port?"), .awaitAnswers]
        }
        if request.title.contains("ask") {
            return [.ask(id: "q1", question: "Which cache?", options: ["redis", "postgres"]), .awaitAnswers, .wait(.seconds(120))]
        }
        switch request.phase {
        case .implementation: return [.tokens(input: 10, output: 5), .move(to: "human_review")]
        case .review: return [.move(to: "done")]
        case .done: return []
        }
    }

    var environment: [String: String] { ["MAESTRO_RUNTIME_DIR": runtimeDirectory.path] }
    var endpoint: MCPEndpoint { MCPEndpoint(databasePath: store.path, environment: environment) }

    func cleanup() {
        temporary.cleanup()
        try? FileManager.default.removeItem(at: runtimeDirectory)
    }

    func makeService() -> MCPService {
        var logger = Logger(label: "mcp-test")
        logger.logLevel = .warning
        return MCPService(api: api, version: "test", environment: environment, logger: logger)
    }

    /// Runs the orchestrator and the MCP endpoint as the daemon does (one service group) around
    /// `body`, which gets the registry entry once the endpoint listens; then shuts down gracefully.
    /// Without `orchestrator`, only the endpoint runs: commands wait in the store.
    func serving<T: Sendable>(orchestrator runsOrchestrator: Bool = true, _ body: @Sendable (MCPRegistryEntry) async throws -> T)
        async throws -> T
    {
        try await controlling(orchestrator: runsOrchestrator) { entry, _ in try await body(entry) }
    }

    /// ``serving(orchestrator:_:)`` with the service group, so `body` can start the shutdown itself.
    func controlling<T: Sendable>(
        orchestrator runsOrchestrator: Bool = true, _ body: @Sendable (MCPRegistryEntry, ServiceGroup) async throws -> T
    ) async throws -> T {
        _ = try await orchestrator.recover()
        var service = makeService()
        let (ready, readySink) = AsyncStream.makeStream(of: MCPRegistryEntry.self)
        service.onReady = { readySink.yield($0) }
        var logger = Logger(label: "group")
        logger.logLevel = .warning
        let core: [any Service] = runsOrchestrator ? [OrchestratorService(orchestrator: orchestrator, shutdownTimeout: .seconds(5))] : []
        var configuration = ServiceGroupConfiguration(services: core + [service], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: configuration)
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                defer { readySink.finish() }
                try await group.run()
                return nil
            }
            let entry = try #require(try await withTimeout(.seconds(20)) { await ready.first { _ in true } } ?? nil, "the endpoint listens")
            let result: T
            do {
                result = try await body(entry, group)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            // Bounded: the group cancels what is left after its graceful shutdown limit.
            while let _ = try await tasks.next() {}
            return result
        }
    }

    /// Waits, on the store's change signal, until `condition` holds; fails after `limit`.
    func eventually(
        _ what: String, upTo limit: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @escaping @Sendable () async throws -> Bool
    ) async throws {
        let reached = try await store.waitUntil(upTo: limit, condition)
        if !reached {
            Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
            throw Timeout()
        }
    }

    struct Timeout: Error {}
}
