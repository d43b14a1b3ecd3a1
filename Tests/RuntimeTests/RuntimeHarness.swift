import Foundation
import Logging
import Runtime
import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

/// A daemon in-process on a real SQLite file, with no process spawned: issues live in an
/// ``InMemoryTracker`` project (`MEM`), agents are a ``ScriptedAgentRunner``, and the clock is the
/// system's or a ``TestClock``.
struct RuntimeHarness {
    let temporary: TemporaryStore
    let store: Store
    let source: WorkflowSource
    let board: Board
    let tracker: InMemoryTracker
    let runner: ScriptedAgentRunner
    let orchestrator: Orchestrator
    /// The daemon's API (with its live side).
    let api: RuntimeAPI
    /// What the orchestrator logged (info and above).
    let logs: LogRecorder

    /// - Parameters:
    ///   - frontMatter: YAML lines after `tracker: {kind: kanban}` and the workspace root.
    ///   - script: the agent's steps per run.
    init(
        _ frontMatter: String = "", prompt: String = "Implement {{ issue.identifier }}.", clock: any RuntimeClock = SystemClock(),
        preflight: (any AgentPreflight)? = nil, script: @escaping @Sendable (AgentRunRequest) -> [ScriptedAgentRunner.Step] = { _ in [] }
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
            \(prompt)
            """)
        store = try temporary.open()
        source = try WorkflowSource(path: path, environment: [:])
        board = Orchestrator.daemonBoard(store: store, source: source, clock: clock)
        let tracker = InMemoryTracker(board: board)
        self.tracker = tracker
        let providers = Providers([tracker])
        let movesAPI = RuntimeAPI(board: board, providers: providers)
        runner = ScriptedAgentRunner(script: script) { identifier, state in _ = try await movesAPI.moveIssue(identifier, to: state) }
        logs = LogRecorder()
        orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source, clock: clock,
            environment: ["PATH": "/usr/bin:/bin", "HOME": temporary.directory.path], logger: logs.logger(), preflight: preflight)
        api = RuntimeAPI(board: board, providers: providers, live: orchestrator)
        _ = try await api.createProject(NewProject(name: "Memory", key: "MEM", provider: "memory"))
    }

    func cleanup() { temporary.cleanup() }

    var workspaceRoot: String { temporary.directory.appendingPathComponent("workspaces").path }

    /// Creates an issue in the tracker's project.
    @discardableResult
    func add(_ title: String, state: String? = nil, labels: [String] = []) async throws -> IssueView {
        try await api.createIssue(in: "MEM", NewIssue(title: title, state: state, labels: labels))
    }

    func issue(_ identifier: String) async throws -> IssueView { try await api.issue(identifier) }

    /// `(event, from, to)` of an issue's transitions, oldest first.
    func history(_ identifier: String) async throws -> [String] {
        try await api.transitions(issue: identifier).map { "\($0.event.rawValue) \($0.from.rawValue)->\($0.to.rawValue)" }
    }

    /// Runs the daemon's loops around `body`, then shuts down gracefully.
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
            group.addTask {
                await orchestrator.logTransitions()
                return nil
            }
            let result = try await body()
            await orchestrator.shutDown(timeout: .seconds(10))
            await orchestrator.logNewTransitions()
            group.cancelAll()
            while !group.isEmpty { _ = try? await group.next() }
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
            throw HarnessTimeout()
        }
    }

    struct HarnessTimeout: Error {}
}
