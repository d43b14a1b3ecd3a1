import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing
import WorkflowParser

/// `maestro run` as a process: the per-database lock, operator commands from the CLI, and a graceful
/// shutdown with a live run, all against the fake agent.
@Suite(.serialized) struct DaemonProcessTests {
    struct Setup {
        let directory: URL
        let database: String
        let environment: [String: String]
        let store: Store

        /// `tracker` is appended to the workflow's kanban tracker section, `codex` to its codex
        /// section, `frontMatter` to the front matter; `scenario` is the fake agent's
        /// (Tests/Fixtures/codex/scenarios), unless `command` replaces the agent.
        init(
            prompt: String, tracker: String = "", codex: String = "", frontMatter: String = "", scenario: String = "follow-prompt",
            command: String? = nil
        ) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-proc-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("home"), withIntermediateDirectories: true)
            let command = command ?? CodexFixtures.fakeCommand(scenario: scenario, record: URL(fileURLWithPath: "/dev/null"))
            try """
            ---
            tracker:
              kind: kanban
            \(tracker)
            workspace:
              root: ./workspaces
            codex:
              command: "\(command.replacingOccurrences(of: "\"", with: "\\\""))"
            \(codex)
            \(frontMatter)
            ---
            \(prompt)
            """.write(to: directory.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)
            database = directory.appendingPathComponent("maestro.sqlite").path
            var environment = ProcessInfo.processInfo.environment
            environment["HOME"] = directory.appendingPathComponent("home").path
            environment["MAESTRO_DB"] = database
            self.environment = environment
            store = try Store.open(path: database)
        }

        func start(log: String = "daemon.log") throws -> Process {
            try DaemonCrashTests.startDaemon(in: directory, database: database, environment: environment, log: log)
        }

        func cli(_ arguments: [String]) async throws -> Helper.Output {
            try await Helper.run(
                DaemonEndToEndTests.maestro.path, arguments + ["--workflow", directory.appendingPathComponent("WORKFLOW.md").path],
                environment: environment)
        }

        /// Runs the CLI without `--workflow`, from the test process's directory.
        func cliWithoutWorkflow(_ arguments: [String]) async throws -> Helper.Output {
            try await Helper.run(DaemonEndToEndTests.maestro.path, arguments, environment: environment)
        }

        func log(_ name: String = "daemon.log") -> String {
            (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }

        func issue(_ identifier: String) async throws -> IssueRecord? {
            try await store.read { db in try IssueRecord.find(identifier, in: db) }
        }

        func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(25))
            }
            Issue.record("timed out waiting for \(what)\n\(log().suffix(3000))")
            throw OrchestratorHarness.HarnessTimeout()
        }

        func cleanup() { try? FileManager.default.removeItem(at: directory) }
    }

    /// Whether `process` exits on its own within `limit`.
    static func exits(_ process: Process, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(25)) }
        return !process.isRunning
    }

    static func stop(_ daemon: Process, signal: Int32 = SIGTERM) async -> Bool {
        kill(daemon.processIdentifier, signal)
        let deadline = ContinuousClock.now + .seconds(20)
        while daemon.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(25)) }
        return !daemon.isRunning
    }

    @Test func aSecondDaemonOnTheSameDatabaseFailsNamingTheLiveOne() async throws {
        let setup = try Setup(prompt: "Work.")
        defer { setup.cleanup() }
        let first = try setup.start()
        try await setup.eventually("the first daemon's lock") {
            FileManager.default.fileExists(atPath: setup.database + ".lock") && setup.log().contains("recovered")
        }
        let second = try setup.start(log: "second.log")
        while second.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(second.terminationStatus == 1)
        #expect(setup.log("second.log").contains("another maestro daemon (pid \(first.processIdentifier),"), "\(setup.log("second.log"))")
        #expect(await Self.stop(first) && first.terminationStatus == 0)
    }

    /// A second daemon through another name of the same database (a symlink to the file, a symlink
    /// to its directory) used to take its own lock, and its recovery killed the first daemon's live
    /// agents. Now it is refused before recovery, and the first daemon's run lives on.
    @Test func aSecondDaemonThroughASymlinkIsRefusedAndTheFirstAgentsLiveOn() async throws {
        let setup = try Setup(prompt: "Hang.\n@@silence {}")
        defer { setup.cleanup() }
        let first = try setup.start()
        defer { if first.isRunning { first.terminate() } }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "long job"]).succeeded)
        try await setup.eventually("the run") {
            try await setup.store.read { db in try SessionRecord.filter(Column("pid") != nil).fetchCount(db) } == 1
        }
        let session = try #require(try await setup.store.read { db in try SessionRecord.fetchOne(db) })
        let agent = try #require(session.pid)
        let fileLink = setup.directory.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: fileLink, withDestinationPath: "maestro.sqlite")
        let directoryLink = setup.directory.appendingPathComponent("elsewhere").path
        try FileManager.default.createSymbolicLink(atPath: directoryLink, withDestinationPath: setup.directory.path)
        for (index, database) in [
            fileLink, directoryLink + "/maestro.sqlite", directoryLink + "/../" + setup.directory.lastPathComponent + "/link.sqlite",
        ]
        .enumerated() {
            let second = try DaemonCrashTests.startDaemon(
                in: setup.directory, database: database, environment: setup.environment, log: "second-\(index).log")
            // Bounded: a second daemon that was let in would run until stopped.
            let refused = await Self.exits(second, within: .seconds(20))
            if !refused { _ = await Self.stop(second) }
            let log = setup.log("second-\(index).log")
            #expect(refused, "the second daemon on \(database) kept running")
            #expect(second.terminationStatus == 1, "\(database): \(log)")
            #expect(log.contains("another maestro daemon (pid \(first.processIdentifier),"), "\(log)")
            #expect(!log.contains("killed an orphaned agent") && !log.contains("recovered"), "\(log)")
        }
        #expect(ProcessGroup.startTime(of: agent) == session.processStartTime, "the first daemon's agent lives on")
        let still = try await setup.store.read { db in try SessionRecord.fetchOne(db, key: session.id) }
        #expect(still?.endedAt == nil && still?.outcome == nil)
        #expect(try await setup.issue("OPS-1")?.lifecycleState == .running)
        #expect(await Self.stop(first) && first.terminationStatus == 0)
    }

    /// `issue delete` of the running issue used to leave its agent running while the next issue
    /// was dispatched: two agents under a limit of one. Now the delete stops the run first, the
    /// agent process is gone when the command returns, and the process table never shows two.
    @Test func deletingARunningIssueStopsItsAgentAndKeepsTheLimit() async throws {
        let setup = try Setup(prompt: "Hang.\n@@silence {}", frontMatter: "agent:\n  max_concurrent_agents: 1")
        defer { setup.cleanup() }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        let workspaces = setup.directory.appendingPathComponent("workspaces").path
        let agents = PeakSampler()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await agents.run { ProcessTable.groups(workingIn: workspaces).count } }
            #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
            #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "first"]).succeeded)
            #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "second"]).succeeded)
            try await setup.eventually("the first run") {
                try await setup.store.read { db in try SessionRecord.filter(Column("pid") != nil).fetchCount(db) } == 1
            }
            let first = try #require(try await setup.store.read { db in try SessionRecord.fetchOne(db)?.pid })
            let deleted = try await setup.cli(["issue", "delete", "OPS-1"])
            #expect(deleted.succeeded && deleted.stdout == "Deleted OPS-1\n", "\(deleted.stdout)\(deleted.stderr)")
            #expect(ProcessGroup.startTime(of: first) == nil, "the deleted issue's agent is gone when the command returns")
            try await setup.eventually("the second run") {
                let running = try await setup.issue("OPS-2")?.lifecycleState == .running
                let sessions = try await setup.store.read { db in try SessionRecord.filter(Column("pid") != nil).fetchCount(db) }
                return running && sessions == 1
            }
            try await Task.sleep(for: .milliseconds(300))
            group.cancelAll()
        }
        #expect(agents.value == 1, "agents at once, from the process table: \(agents.value)")
        #expect(try await setup.issue("OPS-1") == nil)
        #expect(await Self.stop(daemon) && daemon.terminationStatus == 0)
    }

    /// A missing `codex.command` used to be found issue by issue, each burning its retries with
    /// info-level logs. Now the daemon checks it at start, says once what is wrong and how to fix
    /// it, and dispatches nothing.
    @Test func aBrokenCodexCommandIsReportedOnceAndNothingIsDispatched() async throws {
        let setup = try Setup(prompt: "Work.", command: "maestro-no-such-codex app-server")
        defer { setup.cleanup() }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "waits"]).succeeded)
        try await setup.eventually("the warning") { setup.log().contains("codex.command does not work") }
        try await Task.sleep(for: .seconds(1))
        let lines = setup.log().split(separator: "\n").filter { $0.contains("codex.command does not work") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("level=warning") == true)
        #expect(lines.first?.contains("`maestro-no-such-codex app-server` was not found (exit 127") == true, "\(lines)")
        #expect(lines.first?.contains("Fix codex.command in ") == true)
        #expect(try await setup.issue("OPS-1")?.lifecycleState == .queued)
        #expect(try await setup.store.read { db in try SessionRecord.fetchCount(db) } == 0)
        #expect(await Self.stop(daemon) && daemon.terminationStatus == 0)
    }

    @Test func operatorCommandsFromTheCLIAreAppliedAtOnce() async throws {
        let setup = try Setup(prompt: "Hang.\n@@silence {}")
        defer { setup.cleanup() }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "long job"]).succeeded)
        try await setup.eventually("the run") { try await setup.issue("OPS-1")?.lifecycleState == .running }

        // Generous waits: the verdicts are what is checked, not how soon a loaded machine gives them.
        let pause = try await setup.cli(["issue", "pause", "OPS-1", "--wait", "30"])
        #expect(pause.succeeded && pause.stdout == "OPS-1: pause applied (running -> blocked)\n", "\(pause.stdout)\(pause.stderr)")
        // A rejected command exits 1, with the machine's code; with --json it prints the verdict.
        let again = try await setup.cli(["issue", "pause", "OPS-1", "--wait", "30"])
        #expect(!again.succeeded && again.stderr == "OPS-1: pause rejected: the issue is already blocked [already_blocked]\n", "\(again.stderr)")
        let againJSON = try await setup.cli(["issue", "pause", "OPS-1", "--json", "--wait", "30"])
        #expect(!againJSON.succeeded)
        let rejected = try JSONSerialization.jsonObject(with: Data(againJSON.stdout.utf8)) as? [String: Any]
        #expect(rejected?["status"] as? String == "rejected" && rejected?["command"] as? String == "pause")
        #expect((rejected?["error"] as? [String: String]) == ["code": "already_blocked", "message": "the issue is already blocked"])
        #expect(rejected?["transition"] is NSNull)
        let resume = try await setup.cli(["issue", "resume", "OPS-1", "--json", "--wait", "10"])
        let verdict = try JSONSerialization.jsonObject(with: Data(resume.stdout.utf8)) as? [String: Any]
        #expect(verdict?["status"] as? String == "applied" && verdict?["daemon"] as? Bool == true)
        let transition = verdict?["transition"] as? [String: Any]
        #expect(transition?["event"] as? String == "resume" && transition?["from"] as? String == "blocked")
        #expect(verdict?["error"] is NSNull)
        try await setup.eventually("the second run") { try await setup.issue("OPS-1")?.lifecycleState == .running }
        let cancel = try await setup.cli(["issue", "cancel", "OPS-1"])
        #expect(cancel.stdout.contains("cancel applied (running -> released)"))
        let retry = try await setup.cli(["issue", "retry", "OPS-1"])
        #expect(retry.stdout.contains("retry applied (released -> queued)"), "\(retry.stdout)\(retry.stderr)")
        #expect(await Self.stop(daemon) && daemon.terminationStatus == 0)

        // Without a daemon, a command waits in the store.
        let queued = try await setup.cli(["issue", "pause", "OPS-1"])
        #expect(queued.succeeded && queued.stdout.contains("pause queued; no daemon runs on this database"))
        let pending = try await setup.cli(["issue", "pause", "OPS-1", "--json"])
        let waiting = try JSONSerialization.jsonObject(with: Data(pending.stdout.utf8)) as? [String: Any]
        #expect(pending.succeeded && waiting?["status"] as? String == "pending" && waiting?["daemon"] as? Bool == false)
    }

    @Test func shutdownInterruptsLiveRunsWithAReasonAndExitsZero() async throws {
        let setup = try Setup(prompt: "Hang.\n@@silence {}")
        defer { setup.cleanup() }
        let daemon = try setup.start()
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "long job"]).succeeded)
        try await setup.eventually("the run") {
            try await setup.store.read { db in try SessionRecord.filter(Column("pid") != nil).fetchCount(db) } == 1
        }
        let agent = try #require(try await setup.store.read { db in try SessionRecord.fetchOne(db)?.pid })
        #expect(await Self.stop(daemon, signal: SIGTERM))
        #expect(daemon.terminationStatus == 0)
        let last = try await setup.store.read { db in try TransitionRecord.order(Column("seq").desc).fetchOne(db) }
        #expect(last?.event == .interrupted && last?.toState == .queued)
        #expect(last?.payloadObject["reason"] == "daemon shutdown")
        #expect(ProcessGroup.startTime(of: agent) == nil, "the agent process is gone")
        let session = try await setup.store.read { db in try SessionRecord.fetchOne(db) }
        #expect(session?.outcome == "stopped: daemon shutdown")
    }

    /// A CLI process writes tracker facts only; the daemon judges them with its workflow: what was
    /// written while no daemon ran when it starts, what is written while it runs at once.
    @Test func boardEditsFromTheCLIAreJudgedByTheDaemon() async throws {
        let setup = try Setup(prompt: "Hang.\n@@silence {}", tracker: "  required_labels: [agent]")
        defer { setup.cleanup() }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        let created = try await setup.cli(["issue", "create", "--project", "OPS", "--title", "unlabelled"])
        #expect(created.stdout == "Created OPS-1: unlabelled (todo, queued)\n", "\(created.stderr)")

        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        try await setup.eventually("the release at start") { try await setup.issue("OPS-1")?.lifecycleState == .released }
        #expect(try await setup.cli(["issue", "update", "OPS-1", "--add-label", "agent"]).succeeded)
        try await setup.eventually("the run") { try await setup.issue("OPS-1")?.lifecycleState == .running }
        #expect(try await setup.cli(["issue", "move", "OPS-1", "cancelled"]).succeeded)
        try await setup.eventually("the close") { try await setup.issue("OPS-1")?.lifecycleState == .closed }

        // The history shows each judgement and what caused it.
        let show = try await setup.cli(["issue", "show", "OPS-1", "--json"])
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let transitions = try #require(detail["transitions"] as? [[String: Any]])
        #expect(
            transitions.map { "\($0["event"] as? String ?? "?") \($0["from"] as? String ?? "?")->\($0["to"] as? String ?? "?")" } == [
                "tracker_updated queued->released", "tracker_updated released->queued", "dispatch queued->workspace",
                "workspace_ready workspace->running", "tracker_updated running->closed",
            ])
        #expect(keys(of: transitions.first) == ["at", "attempt", "details", "effects", "event", "from", "guards", "issue", "seq", "to", "version"])
        let sources = transitions.filter { $0["event"] as? String == "tracker_updated" }.map { ($0["details"] as? [String: String])?["source"] }
        #expect(sources == ["board_change", "board_change", "board_change"])
        #expect((transitions.first?["details"] as? [String: String])?["standing"] == "unroutable")
        #expect(transitions.last?["effects"] as? [String] == ["stop_run", "remove_workspace"])
        let text = try await setup.cli(["issue", "show", "OPS-1"])
        #expect(text.stdout.contains("queued -> released  tracker_updated"), "\(text.stdout)")
        #expect(await Self.stop(daemon) && daemon.terminationStatus == 0)
    }

    /// Without `--workflow`, a CLI process validates states against the columns the daemon of the
    /// database published, before any ./WORKFLOW.md.
    @Test func theCLIUsesTheColumnsTheDaemonPublished() async throws {
        let setup = try Setup(prompt: "Work.", tracker: "  provider: {columns: [Ideas, todo, in_progress, human_review, done, cancelled]}")
        defer { setup.cleanup() }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        let before = try await setup.cliWithoutWorkflow(["issue", "create", "--project", "OPS", "--title", "x", "--state", "ideas"])
        #expect(!before.succeeded && before.stderr.hasSuffix("[invalid_state]\n"), "\(before.stdout)\(before.stderr)")

        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        try await setup.eventually("the daemon's start") { setup.log().contains("recovered") }
        let after = try await setup.cliWithoutWorkflow(["issue", "create", "--project", "OPS", "--title", "x", "--state", "ideas"])
        #expect(after.stdout == "Created OPS-1: x (Ideas, queued)\n", "\(after.stderr)")
        let project = try await setup.cliWithoutWorkflow(["project", "show", "OPS"])
        #expect(project.stdout.hasPrefix("OPS  ops\n\n  Ideas          1\n  todo           0\n"), "\(project.stdout)")
        #expect(await Self.stop(daemon) && daemon.terminationStatus == 0)
    }

    /// The daemon decides with the workflow in force: after a hot reload that renames the claim
    /// state, a claim writes the new state; and a CLI run from a directory without a WORKFLOW.md
    /// (no machine of its own, no columns but the daemon's) only writes the move, which the daemon
    /// then judges.
    @Test func aReloadedClaimStateIsWrittenAndACLIMoveIsJudgedByTheDaemon() async throws {
        let setup = try Setup(prompt: "Hang.\n@@silence {}")
        defer { setup.cleanup() }
        let elsewhere = setup.directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        func cli(_ arguments: String...) async throws -> Helper.Output {
            try await Helper.run(DaemonEndToEndTests.maestro.path, arguments, environment: setup.environment, in: elsewhere.path)
        }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        try await setup.eventually("the daemon's start") { setup.log().contains("recovered") }
        #expect(try await cli("project", "create", "ops", "--key", "OPS").succeeded)
        #expect(try await cli("issue", "create", "--project", "OPS", "--title", "before").succeeded)
        try await setup.eventually("the first claim") { try await setup.issue("OPS-1")?.trackerState == "in_progress" }

        let workflow = setup.directory.appendingPathComponent("WORKFLOW.md")
        let edited = try String(contentsOf: workflow, encoding: .utf8).replacingOccurrences(
            of: "  kind: kanban\n", with: "  kind: kanban\n  active_states: [todo, doing]\n  claim_state: doing\n")
        try edited.write(to: workflow, atomically: true, encoding: .utf8)
        try await setup.eventually("the reload") { setup.log().contains("workflow reloaded") }
        // The first issue's state is no longer active: the daemon releases it.
        try await setup.eventually("the release") { try await setup.issue("OPS-1")?.lifecycleState == .released }

        #expect(try await cli("issue", "create", "--project", "OPS", "--title", "after").succeeded)
        try await setup.eventually("the claim in the new state") { try await setup.issue("OPS-2")?.trackerState == "doing" }
        try await setup.eventually("the run") { try await setup.issue("OPS-2")?.lifecycleState == .running }

        // `doing` is a column only the daemon's workflow has; the CLI learned it from the store.
        let moved = try await cli("issue", "move", "OPS-2", "done", "--json")
        #expect(moved.succeeded, "\(moved.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(moved.stdout.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "done")
        #expect((object["lifecycle"] as? [String: Any])?["state"] as? String == "running", "the CLI decided nothing")
        try await setup.eventually("the daemon's close") { try await setup.issue("OPS-2")?.lifecycleState == .closed }
        let close = try await setup.store.read { db in
            try TransitionRecord.filter(Column("identifier") == "OPS-2").order(Column("seq").desc).fetchOne(db)
        }
        #expect(close?.event == .trackerUpdated && close?.payloadObject["source"] == "board_change")
        #expect(await Self.stop(daemon) && daemon.terminationStatus == 0)
    }

    private func keys(of object: [String: Any]?) -> [String] { object.map { $0.keys.sorted() } ?? [] }
}
