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

        init(prompt: String) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-proc-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("home"), withIntermediateDirectories: true)
            let command = CodexFixtures.fakeCommand(scenario: "follow-prompt", record: URL(fileURLWithPath: "/dev/null"))
            try """
            ---
            tracker:
              kind: kanban
            workspace:
              root: ./workspaces
            codex:
              command: "\(command.replacingOccurrences(of: "\"", with: "\\\""))"
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

        func log(_ name: String = "daemon.log") -> String {
            (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }

        func issue(_ identifier: String) async throws -> IssueRecord? {
            try await store.read { db in try IssueRecord.find(identifier, in: db) }
        }

        func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(25))
            }
            Issue.record("timed out waiting for \(what)\n\(log().suffix(3000))")
            throw OrchestratorHarness.HarnessTimeout()
        }

        func cleanup() { try? FileManager.default.removeItem(at: directory) }
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
        second.waitUntilExit()
        #expect(second.terminationStatus == 1)
        #expect(setup.log("second.log").contains("another maestro daemon (pid \(first.processIdentifier),"), "\(setup.log("second.log"))")
        #expect(await Self.stop(first) && first.terminationStatus == 0)
    }

    @Test func operatorCommandsFromTheCLIAreAppliedAtOnce() async throws {
        let setup = try Setup(prompt: "Hang.\n@@silence {}")
        defer { setup.cleanup() }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "long job"]).succeeded)
        try await setup.eventually("the run") { try await setup.issue("OPS-1")?.lifecycleState == .running }

        let pause = try await setup.cli(["issue", "pause", "OPS-1"])
        #expect(pause.succeeded && pause.stdout == "OPS-1: pause applied (running -> blocked)\n", "\(pause.stdout)\(pause.stderr)")
        let again = try await setup.cli(["issue", "pause", "OPS-1"])
        #expect(!again.succeeded && again.stderr.contains("rejected: already_blocked"))
        let resume = try await setup.cli(["issue", "resume", "OPS-1", "--json"])
        let verdict = try JSONSerialization.jsonObject(with: Data(resume.stdout.utf8)) as? [String: Any]
        #expect(verdict?["status"] as? String == "applied" && verdict?["daemon"] as? Bool == true)
        try await setup.eventually("the second run") { try await setup.issue("OPS-1")?.lifecycleState == .running }
        let cancel = try await setup.cli(["issue", "cancel", "OPS-1"])
        #expect(cancel.stdout.contains("cancel applied (running -> released)"))
        let retry = try await setup.cli(["issue", "retry", "OPS-1"])
        #expect(retry.stdout.contains("retry_now applied (released -> queued)"))
        #expect(await Self.stop(daemon) && daemon.terminationStatus == 0)

        // Without a daemon, a command waits in the store.
        let queued = try await setup.cli(["issue", "pause", "OPS-1"])
        #expect(queued.stdout.contains("queued; no daemon runs on this database"))
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
        #expect(ProcessFacts.startTime(of: agent) == nil, "the agent process is gone")
        let session = try await setup.store.read { db in try SessionRecord.fetchOne(db) }
        #expect(session?.outcome == "stopped: daemon shutdown")
    }
}
