import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing
import WorkflowParser

/// A daemon in-process on a real SQLite file, wired as `maestro run` wires it: the daemon's board
/// (facts reconciled with the workflow in force), the kanban provider behind the Runtime API, the
/// Codex runner driving the fake app-server (which follows the `@@op` directives written in each
/// phase prompt) with the kanban tools, and the orchestrator.
struct OrchestratorHarness {
    let directory: URL
    let store: Store
    let source: WorkflowSource
    let board: Board
    /// The daemon's API, as its surfaces call it: board commands commit with their lifecycle
    /// consequences, operator commands wait for the orchestrator's verdict.
    let api: RuntimeAPI
    let orchestrator: Orchestrator

    /// `frontMatter` is appended to a kanban tracker section and the fake's `codex.command`.
    init(tracker: String = "", codex: String = "", frontMatter: String = "", prompt: String = "Implement {{ issue.identifier }}.")
        throws
    {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-orch-\(UUID().uuidString)")
        let home = directory.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let command = CodexFixtures.fakeCommand(scenario: "follow-prompt", record: URL(fileURLWithPath: "/dev/null"))
        let workflow = """
            ---
            tracker:
              kind: kanban
            \(tracker)
            workspace:
              root: ./workspaces
            codex:
              command: "\(command.replacingOccurrences(of: "\"", with: "\\\""))"
              read_timeout_ms: 15000
            \(codex)
            \(frontMatter)
            ---
            \(prompt)
            """
        let path = directory.appendingPathComponent("WORKFLOW.md").path
        try workflow.write(toFile: path, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        source = try WorkflowSource(path: path, environment: environment)
        store = try Store.open(path: directory.appendingPathComponent("maestro.sqlite").path)
        let source = source
        let board = Orchestrator.daemonBoard(store: store, source: source)
        let providers = Providers([KanbanProvider(board: board) { KanbanColumns(workflow: await source.current) }])
        let tools = RuntimeAPI(board: board, providers: providers)
        let runner = CodexAgentRunner(
            tools: { request in
                KanbanTools(api: tools, identifier: request.identifier, columns: KanbanColumns(workflow: request.workflow).columns)
            }, environment: environment)
        orchestrator = Orchestrator(board: board, providers: providers, runner: runner, source: source, environment: environment)
        self.board = board
        api = RuntimeAPI(board: board, providers: providers, live: orchestrator)
    }

    func cleanup() { try? FileManager.default.removeItem(at: directory) }

    var workspaceRoot: String { directory.appendingPathComponent("workspaces").path }

    func issue(_ identifier: String) async throws -> IssueRecord {
        try #require(try await store.read { db in try IssueRecord.find(identifier, in: db) })
    }

    /// Creates the project MAE.
    func project() async throws {
        _ = try await api.createProject(NewProject(name: "maestro", key: "MAE"))
    }

    /// Creates an issue in MAE and returns its row.
    @discardableResult
    func add(_ title: String, priority: Int? = nil, state: String? = nil, labels: [String] = [], blockedBy: [String] = [])
        async throws -> IssueRecord
    {
        let view = try await api.createIssue(
            in: "MAE", NewIssue(title: title, priority: priority, state: state, labels: labels, blockedBy: blockedBy))
        return try await issue(view.identifier)
    }

    func log(_ identifier: String? = nil) async throws -> [TransitionRecord] {
        try await store.read { db in
            let rows = try TransitionRecord.order(Column("seq")).fetchAll(db)
            return identifier.map { id in rows.filter { $0.identifier == id } } ?? rows
        }
    }

    /// Runs the daemon's loops (jobs, effects, scheduler) around `body`, then shuts down.
    func running<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let orchestrator = orchestrator
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
            // The loops end with CancellationError; that is how they stop.
            while !group.isEmpty { _ = try? await group.next() }
            return result
        }
    }

    /// Polls until `condition` holds; fails (instead of hanging) after 90 s.
    func eventually(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
        throw HarnessTimeout()
    }

    struct HarnessTimeout: Error {}
}
