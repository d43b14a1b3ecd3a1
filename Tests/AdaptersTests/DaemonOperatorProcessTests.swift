import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

/// What an operator sees and does against a real daemon: what a blocked run waits on and how to
/// answer it, the blocked issues, and a second signal.
@Suite(.serialized) struct DaemonOperatorProcessTests {
    typealias Setup = DaemonProcessTests.Setup

    /// `issue show` prints the pending approval's command and reason, a question's options, and the
    /// exact command that answers each; `issue list --lifecycle blocked` lists the issue.
    @Test func issueShowSaysWhatARunWaitsOnAndHowToAnswerIt() async throws {
        let prompt = """
            Ask first.
            @@commandApproval {"command": "rm -rf build", "reason": "clean the build"}
            @@userInput {"questions": [{"id": "db", "header": "Database", "question": "Which database should the cache use?", "isOther": false, "options": [{"label": "redis", "description": "fast"}, {"label": "postgres", "description": "durable"}]}]}
            """
        // A patient agent: the default fake gives up on an unanswered request after 10 s.
        let patient = CodexFixtures.fakeCommand(scenario: "follow-prompt-patient", record: URL(fileURLWithPath: "/dev/null"))
        let setup = try Setup(prompt: prompt, codex: "  approval_policy: on-request", command: patient)
        defer { setup.cleanup() }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "careful"]).succeeded)
        try await setup.eventually("the approval") { try await setup.issue("OPS-1")?.lifecycleState == .blocked }

        let blocked = try await setup.cli(["issue", "list", "--lifecycle", "blocked"])
        #expect(blocked.stdout.contains("OPS-1  in_progress  blocked"), "\(blocked.stdout)\(blocked.stderr)")
        let approval = try await setup.cli(["issue", "show", "OPS-1"]).stdout
        #expect(approval.contains("blocked on: input_required"), "\(approval)")
        #expect(approval.contains("Waiting on approval 0: "), "\(approval)\n\(setup.log().suffix(4000))")
        #expect(approval.contains("  command: /bin/bash -lc 'rm -rf build'"), "\(approval)")
        #expect(approval.contains("  reason:  clean the build"))
        #expect(approval.contains("  answer:  maestro issue answer OPS-1 approve|approve-session|deny|cancel --request 0"))
        #expect(try await setup.cli(["issue", "answer", "OPS-1", "approve", "--request", "0"]).stdout.contains("answer applied"))

        try await setup.eventually("the question") {
            try await setup.cli(["issue", "show", "OPS-1"]).stdout.contains("Waiting on question 1: ")
        }
        let question = try await setup.cli(["issue", "show", "OPS-1"]).stdout
        #expect(question.contains("  Which database should the cache use? [redis / postgres]"), "\(question)")
        #expect(question.contains("  answer:  maestro issue answer OPS-1 redis|postgres --request 1"))
        let wrong = try await setup.cli(["issue", "answer", "OPS-1", "mysql"])
        #expect(!wrong.succeeded && wrong.stderr.contains("answer one of: redis, postgres [invalid_answer]"), "\(wrong.stderr)")
        let answered = try await setup.cli(["issue", "answer", "OPS-1", "postgres", "--request", "1"])
        #expect(answered.stdout.contains("answer applied (blocked -> running)"), "\(answered.stdout)\(answered.stderr)")
        #expect(await DaemonProcessTests.stop(daemon) && daemon.terminationStatus == 0)
    }

    /// A second SIGINT during a slow graceful shutdown cancels at once: exit 130, agents gone.
    @Test func aSecondSignalStopsAtOnce() async throws {
        let command = CodexFixtures.fakeCommand(scenario: "silent-stubborn", record: URL(fileURLWithPath: "/dev/null"))
        let setup = try Setup(prompt: "Hang.", command: command)
        defer { setup.cleanup() }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
        #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "stubborn"]).succeeded)
        try await setup.eventually("the run") {
            try await setup.store.read { db in try SessionRecord.filter(Column("pid") != nil).fetchCount(db) } == 1
        }
        kill(daemon.processIdentifier, SIGINT)
        try await setup.eventually("the graceful shutdown") { setup.log().contains("shutting down") }
        kill(daemon.processIdentifier, SIGINT)
        #expect(await DaemonProcessTests.exits(daemon, within: .seconds(10)), "still running after the second signal")
        #expect(daemon.terminationStatus == 130, "\(setup.log().suffix(2000))")
        #expect(setup.log().contains("maestro run: stopped at once on a second signal"))
        let workspaces = setup.directory.appendingPathComponent("workspaces").path
        var left = ProcessTable.groups(workingIn: workspaces)
        for _ in 0..<100 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(50))
            left = ProcessTable.groups(workingIn: workspaces)
        }
        #expect(left.isEmpty, "agent process groups left: \(left)")
    }
}
