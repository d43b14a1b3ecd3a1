import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing
import WorkflowParser

/// A daemon child process is SIGKILLed at random moments while 50 issues flow through the fake
/// agent, and restarted, repeatedly. In the end every issue is closed, every transition was applied
/// exactly once, no agent process is left, and no issue ever had two live runs at once.
@Suite(.serialized) struct DaemonCrashTests {
    @Test func killingTheDaemonAtRandomLosesAndDuplicatesNothing() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("home"), withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["MAESTRO_KEEP_CRASH"] == nil { try? FileManager.default.removeItem(at: scratch) } }
        let command =
            CodexFixtures.fakeCommand(
                scenario: "follow-prompt", record: URL(fileURLWithPath: "/dev/null")) + " --pidfile \(scratch.path)/agent.pid"
        let workflow = """
            ---
            tracker:
              kind: kanban
            workspace:
              root: ./workspaces
            polling:
              interval_ms: 200
            agent:
              max_concurrent_agents: 10
            codex:
              command: "\(command.replacingOccurrences(of: "\"", with: "\\\""))"
              read_timeout_ms: 20000
            phases:
              review:
                prompt: |
                  Review {{ issue.identifier }}.
                  @@sleep {"seconds": 0.1}
                  @@toolCall {"tool": "kanban_move", "arguments": {"state": "done"}}
              done:
                enabled: true
                prompt: |
                  Finish {{ issue.identifier }}.
            ---
            Implement {{ issue.identifier }}.
            @@sleep {"seconds": 0.2}
            @@toolCall {"tool": "kanban_move", "arguments": {"state": "human_review"}}
            """
        let workflowPath = scratch.appendingPathComponent("WORKFLOW.md")
        try workflow.write(to: workflowPath, atomically: true, encoding: .utf8)
        let database = scratch.appendingPathComponent("maestro.sqlite").path
        let store = try Store.open(path: database)
        // Seeded as a CLI process would, before any daemon runs: facts only.
        let board = Board(store: store)
        let columns = KanbanColumns(workflow: try WorkflowLoader.load(path: workflowPath.path))
        let api = RuntimeAPI(board: board, providers: Providers([KanbanProvider(board: board, columns: columns)]))
        _ = try await api.createProject(NewProject(name: "crash", key: "C"))
        for index in 1...50 { _ = try await api.createIssue(in: "C", NewIssue(title: "issue \(index)", priority: index % 4 + 1)) }

        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = scratch.appendingPathComponent("home").path
        var random = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<10 {
            let daemon = try Self.startDaemon(in: scratch, database: database, environment: environment, log: "daemon-\(kills).log")
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1_200, using: &random)))
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            kills += 1
            if try await Self.openIssues(store) == 0 { break }
        }
        // A last daemon runs to the end.
        let daemon = try Self.startDaemon(in: scratch, database: database, environment: environment, log: "daemon-final.log")
        let finalLog = scratch.appendingPathComponent("daemon-final.log")
        // The kills may have let every issue close already: the SIGINT below must still find the
        // daemon started, with its signal handlers installed.
        let started = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < started, daemon.isRunning,
            !(((try? String(contentsOf: finalLog, encoding: .utf8)) ?? "").contains("recovered"))
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        let deadline = ContinuousClock.now + .seconds(120)
        while try await Self.openIssues(store) > 0, ContinuousClock.now < deadline, daemon.isRunning {
            try await Task.sleep(for: .milliseconds(100))
        }
        daemon.interrupt()
        let stopDeadline = ContinuousClock.now + .seconds(20)
        while daemon.isRunning, ContinuousClock.now < stopDeadline { try await Task.sleep(for: .milliseconds(50)) }
        let finalTail = ((try? String(contentsOf: finalLog, encoding: .utf8)) ?? "").suffix(2000)
        #expect(
            !daemon.isRunning && daemon.terminationStatus == 0,
            "the final daemon exits 0 on SIGINT, got \(daemon.isRunning ? "still running" : "\(daemon.terminationStatus)"):\n\(finalTail)")
        #expect(kills > 0)

        let (issues, log, sessions) = try await store.read { db in
            (
                try IssueRecord.fetchAll(db), try TransitionRecord.order(Column("seq")).fetchAll(db),
                try SessionRecord.order(Column("id")).fetchAll(db)
            )
        }
        let finalText = (try? String(contentsOf: finalLog, encoding: .utf8)) ?? ""
        #expect(issues.count == 50)
        #expect(
            issues.allSatisfy { $0.lifecycleState == .closed },
            "open: \(issues.filter { $0.lifecycleState != .closed }.map { "\($0.identifier) \($0.lifecycleState)" })\n\(finalText.suffix(3000))")

        // Exactly once: per issue, versions 1...n with no gap or repeat, each from the previous state.
        let seqs = log.compactMap(\.seq)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        for issue in issues {
            let rows = log.filter { $0.issueId == issue.id }
            #expect(rows.map(\.version) == Array(1...max(rows.count, 1)).prefix(rows.count).map { $0 }, "\(issue.identifier)")
            #expect(rows.last?.version == issue.version)
            var state = LifecycleState.queued
            for row in rows {
                #expect(row.fromState == state, "\(issue.identifier) v\(row.version): \(row.fromState) after \(state)")
                state = row.toState
            }
        }

        // Never two live runs of one issue: each issue's sessions follow one another.
        for issue in issues {
            let runs = sessions.filter { $0.issueId == issue.id }.sorted { $0.startedAt < $1.startedAt }
            #expect(runs.allSatisfy { $0.endedAt != nil }, "\(issue.identifier) has an open session")
            for (earlier, later) in zip(runs, runs.dropFirst()) {
                #expect((earlier.endedAt ?? .distantFuture) <= later.startedAt, "\(issue.identifier): overlapping runs")
            }
        }

        // No agent process survives: none still runs from this test's directory.
        var survivors: [Int32] = []
        for _ in 0..<100 {
            survivors = Self.processes(mentioning: scratch.path)
            if survivors.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(survivors.isEmpty, "orphaned agent processes: \(survivors)")
        for pid in survivors { kill(pid, SIGKILL) }
    }

    static func startDaemon(in directory: URL, database: String, environment: [String: String], log: String) throws -> Process {
        let daemon = Process()
        daemon.executableURL = DaemonEndToEndTests.maestro
        daemon.arguments = ["run", "WORKFLOW.md", "--db", database, "--port", "0"]
        daemon.currentDirectoryURL = directory
        daemon.environment = environment
        let logFile = directory.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        daemon.standardError = try FileHandle(forWritingTo: logFile)
        try daemon.run()
        return daemon
    }

    static func openIssues(_ store: Store) async throws -> Int {
        try await store.read { db in try IssueRecord.filter(Column("lifecycleState") != LifecycleState.closed.rawValue).fetchCount(db) }
    }

    /// Pids whose command line mentions `text`, this test process excluded.
    static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let commandLine = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return commandLine.contains(text) && ProcessGroup.startTime(of: pid) != nil
        }
    }
}
