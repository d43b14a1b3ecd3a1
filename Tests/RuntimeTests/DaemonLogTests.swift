import Foundation
import Logging
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// The daemon's log: every transition once, whoever committed it, in words a user knows.
@Suite struct DaemonLogTests {
    /// Transitions committed outside the daemon's own tick (an agent's move through the board, a
    /// CLI process's edits reconciled from the change log) used to be missing from the log.
    @Test func everyTransitionIsLoggedOnceWhoeverCommittedIt() async throws {
        let harness = try await RuntimeHarness { _ in [.move(to: "done"), .wait(.seconds(5))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("moved by its agent")
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
            // A CLI process writes facts; the daemon reconciles them in its tick.
            let cli = Board(store: harness.store)
            _ = try await cli.createIssue(in: "MEM", NewIssue(title: "from a CLI"), state: "backlog", identifier: "MEM-9")
            try await harness.eventually("the release") { try await harness.issue("MEM-9").lifecycle.state == .released }
        }
        let logged = harness.logs.all.compactMap { $0.metadata["seq"] }
        let history = try await harness.api.transitions().map { String($0.seq) }
        #expect(logged.sorted() == history.sorted(), "logged \(logged), committed \(history)")
        #expect(Set(logged).count == logged.count, "each once")
        let close = harness.logs.all.first { $0.metadata["issue_identifier"] == "MEM-1" && $0.metadata["to"] == "closed" }
        #expect(close?.message == "MEM-1: running -> closed: the tracker changed to 'done' (terminal)", "\(close?.message ?? "")")
        let release = harness.logs.all.first { $0.metadata["issue_identifier"] == "MEM-9" }
        #expect(release?.message == "MEM-9: queued -> released: the tracker changed to 'backlog' (inactive)")
    }

    @Test func failuresAreWarningsInWordsAndHookOutputIsShown() async throws {
        let harness = try await RuntimeHarness(
            """
            hooks:
              before_run: "echo 'disk full' >&2; exit 7"
            """)
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("unlucky")
            try await harness.eventually("the retry") { try await harness.issue("MEM-1").lifecycle.state == .retrying }
        }
        let hook = try #require(harness.logs.entries("hook failed").first)
        #expect(hook.level == .warning && hook.metadata["status"] == "exited with code 7" && hook.metadata["output"] == "disk full")
        let failed = try #require(harness.logs.all.first { $0.metadata["event"] == "workspace_failed" })
        #expect(failed.level == .warning)
        #expect(
            failed.message
                == "MEM-1: workspace -> retrying: preparing the workspace failed (before_run hook failed: exited with code 7: disk full); again in 10 s",
            "\(failed.message)")
        #expect(try await harness.issue("MEM-1").lifecycle.lastError == "before_run hook failed: exited with code 7: disk full")
        for entry in harness.logs.all {
            let text = entry.message + entry.metadata.values.joined()
            #expect(!text.contains("Optional(") && !text.contains("exitCode:") && !text.contains("Adapters."), "\(entry)")
        }
    }

    /// Rejections named internal events (`'retry_now' does not apply …`); now the command's word.
    @Test func rejectedCommandsSpeakTheOperatorsWords() async throws {
        let harness = try await RuntimeHarness()
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("finished", state: "done")
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
            let verdict = try await harness.api.submit(.retry, to: "MEM-1")
            #expect(verdict.status == .rejected)
            #expect(verdict.error == APIError(code: "not_applicable", message: "'retry' does not apply to an issue in 'closed'"))
        }
        let rejected = try #require(harness.logs.entries("operator command rejected").first)
        #expect(rejected.metadata["command"] == "retry")
        #expect(rejected.metadata["reason"] == "'retry' does not apply to an issue in 'closed' [not_applicable]")
    }
}
