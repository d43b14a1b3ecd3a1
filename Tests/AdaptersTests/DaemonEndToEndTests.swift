import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

/// `maestro run` as a user runs it, with the real Codex app-server (offline, against the loopback
/// mock model): an issue created with `maestro issue create` goes queued → workspace → running →
/// review → done → closed, with hooks, rendered phase prompts and token totals.
@Suite(.serialized) struct DaemonEndToEndTests {
    static let maestro: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("maestro")
        return FileManager.default.isExecutableFile(atPath: beside.path)
            ? beside : CodexFixtures.packageRoot.appendingPathComponent(".build/debug/maestro")
    }()

    @Test(.enabled(if: RealCodex.shouldRun, RealCodex.skipReason))
    func anIssueFlowsThroughEveryPhaseWithTheRealCodex() async throws {
        let codex = try RealCodex.requireBinary()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("home"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try await MockModel.serving("daemon-lifecycle", scratch: scratch) { mock in
            let codexHome = try writeCodexHome(in: scratch, mock: mock)
            var environment = ProcessInfo.processInfo.environment
            environment["HOME"] = scratch.appendingPathComponent("home").path
            environment["CODEX_HOME"] = codexHome.path
            environment["MOCK_API_KEY"] = "mock-key"
            environment["MAESTRO_DB"] = scratch.appendingPathComponent("maestro.sqlite").path
            try Self.workflow(codex: codex).write(to: scratch.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)

            let daemon = Process()
            daemon.executableURL = Self.maestro
            daemon.arguments = ["run", "WORKFLOW.md", "--port", "0"]
            daemon.currentDirectoryURL = scratch
            daemon.environment = environment
            let log = scratch.appendingPathComponent("daemon.log")
            #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
            daemon.standardError = try FileHandle(forWritingTo: log)
            try daemon.run()
            defer { if daemon.isRunning { daemon.terminate() } }

            try await Self.cli(["project", "create", "End to end", "--key", "E2E"], in: scratch, environment: environment)
            try await Self.cli(
                ["issue", "create", "--project", "E2E", "--title", "Ship it", "--priority", "1"], in: scratch, environment: environment)

            let store = try Store.open(path: environment["MAESTRO_DB"]!)
            let deadline = ContinuousClock.now + .seconds(120)
            var issue: IssueRecord?
            while ContinuousClock.now < deadline {
                issue = try await store.read { db in try IssueRecord.find("E2E-1", in: db) }
                if issue?.lifecycleState == .closed || !daemon.isRunning { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let daemonLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(issue?.lifecycleState == .closed, "daemon log:\n\(daemonLog.suffix(4000))")

            let issueId = issue?.id ?? 0
            let history = try await store.read { db in try TransitionRecord.history(of: issueId).fetchAll(db) }
            #expect(history.map(\.toState) == [.workspace, .running, .review, .done, .closed])
            #expect(history.map(\.event) == [.dispatch, .workspaceReady, .runEnded, .runEnded, .runEnded])
            let (hooks, sessions) = try await store.read { db in
                (
                    try RuntimeEventRecord.filter(Column("kind").like("hook.%")).fetchAll(db).map(\.kind),
                    try SessionRecord.order(Column("id")).fetchAll(db)
                )
            }
            #expect(hooks.contains("hook.after_create") && hooks.contains("hook.before_run") && hooks.contains("hook.before_remove"))
            #expect(sessions.map(\.phase) == [.implementation, .review, .done])
            #expect(sessions.allSatisfy { $0.threadId != nil && $0.endedAt != nil && $0.totalTokens > 0 })

            // The model saw each phase's rendered prompt.
            let requests = try mock.requests().map(\.compactText).joined(separator: "\n")
            #expect(requests.contains("Implement E2E-1: Ship it (priority 1)"))
            #expect(requests.contains("Review E2E-1 in End to end"))
            #expect(requests.contains("Finish E2E-1 on phase done"))

            let show = try await Self.cli(["issue", "show", "E2E-1"], in: scratch, environment: environment)
            #expect(show.contains("lifecycle:  closed"))
            #expect(show.contains("review -> done  run_ended"))
            // Each thread counted once: a resumed thread's sessions carry its running totals.
            let total = Dictionary(grouping: sessions, by: { $0.threadId ?? "" }).values.reduce(0) { $0 + ($1.map(\.totalTokens).max() ?? 0) }
            #expect(show.contains("sessions:   3 (tokens: \(total) total)"))

            daemon.interrupt()
            let exited = await Self.waitForExit(daemon, upTo: .seconds(20))
            let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(3000)
            #expect(exited && daemon.terminationStatus == 0, "maestro run should exit 0 on SIGINT, got \(daemon.terminationStatus):\n\(tail)")
        }
    }

    static func workflow(codex: String) -> String {
        """
        ---
        tracker:
          kind: kanban
        workspace:
          root: ./workspaces
        hooks:
          after_create: echo created > .created
          before_run: echo run >> .runs
          before_remove: test -f .created
        polling:
          interval_ms: 500
        agent:
          max_turns: 2
        codex:
          command: \(codex) app-server
          read_timeout_ms: 20000
          turn_timeout_ms: 60000
        phases:
          review:
            prompt: |
              Review {{ issue.identifier }} in {{ project.name }}.
          done:
            enabled: true
            prompt: |
              Finish {{ issue.identifier }} on phase {{ phase }}.
        ---
        Implement {{ issue.identifier }}: {{ issue.title }} (priority {{ issue.priority }})
        """
    }

    @discardableResult
    static func cli(_ arguments: [String], in directory: URL, environment: [String: String]) async throws -> String {
        let result = try await Helper.run(
            maestro.path, arguments + ["--workflow", directory.appendingPathComponent("WORKFLOW.md").path], environment: environment)
        #expect(result.succeeded, "maestro \(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    static func waitForExit(_ process: Process, upTo limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !process.isRunning
    }
}
