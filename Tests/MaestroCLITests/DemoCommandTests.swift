import Foundation
import Testing

/// `maestro demo` runs to its end inside the suite, and the board's own log shows each lifecycle
/// path the demo promises.
@Suite(.serialized) struct DemoCommandTests {
    func transitions(_ sandbox: BoardSandbox, _ identifier: String, db: String) async throws -> [[String: Any]] {
        let result = try await sandbox.run(["logs", identifier, "--json", "--db", db], db: false)
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        return entries.compactMap { $0["transition"] as? [String: Any] }
    }

    func events(_ transitions: [[String: Any]]) -> [String] { transitions.compactMap { $0["event"] as? String } }

    @Test func theDemoFinishesItsBoardAndTheLogShowsEveryPath() async throws {
        let sandbox = try BoardSandbox()
        let folder = sandbox.directory.appendingPathComponent("demo")
        let result = try await sandbox.run(
            ["demo", "--dir", folder.path, "--beat-ms", "5", "--answer-after", "1", "--cancel-after", "1", "--timeout", "240"], db: false)
        #expect(result.status == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        #expect(result.stdout.contains("paths shown: question answered ✓ · failed run retried ✓ · blocker released ✓ · cancelled ✓"))
        #expect(result.stdout.contains("8 of 8 issues finished"))
        #expect(result.stdout.contains("dashboard:  http://127.0.0.1:"))
        let db = folder.appendingPathComponent("maestro.sqlite").path

        // The question: blocked on input, answered, then on through review to done.
        let asked = try await transitions(sandbox, "DEMO-2", db: db)
        let answered = try #require(asked.first { $0["event"] as? String == "operator_answered" })
        #expect((answered["details"] as? [String: String])?["answer"] == "Hello")
        #expect(events(asked).suffix(3) == ["run_ended", "run_ended", "run_ended"])
        #expect(asked.last?["to"] as? String == "closed")
        // The failure: retried with backoff, then finished.
        let failed = events(try await transitions(sandbox, "DEMO-3", db: db))
        #expect(failed.starts(with: ["dispatch", "workspace_ready", "run_failed", "retry_due", "dispatch"]), "\(failed)")
        // The blocker: DEMO-4 is held, and starts only once DEMO-1's tracker state is terminal,
        // which DEMO-1's review run sets (its move to done may commit after DEMO-4's dispatch).
        let blocked = try await transitions(sandbox, "DEMO-4", db: db)
        let first = try await transitions(sandbox, "DEMO-1", db: db)
        #expect(blocked.first?["to"] as? String == "released", "\(blocked)")
        let dispatched = try #require(blocked.first { $0["event"] as? String == "dispatch" }?["seq"] as? Int)
        let reviewed = try #require(first.first { $0["to"] as? String == "review" }?["seq"] as? Int)
        #expect(dispatched > reviewed)
        // The cancel: released while running, then closed by its move to cancelled.
        let cancelled = try await transitions(sandbox, "DEMO-5", db: db)
        #expect(cancelled.contains { $0["event"] as? String == "cancel" && $0["from"] as? String == "running" && $0["to"] as? String == "released" })
        #expect(cancelled.last?["to"] as? String == "closed")
        // The demo agent's words and the hooks' output are in the log.
        let hooks = try await sandbox.run(["logs", "DEMO-1", "--db", db], db: false)
        #expect(hooks.stdout.contains("hook.after_create: succeeded"))
        #expect(hooks.stdout.contains("agent.turn_completed: Summary: wrote DEMO-1.md and handed DEMO-1 to review."))
    }

    @Test func aDemoThatCannotFinishSaysSoAndFails() async throws {
        let sandbox = try BoardSandbox()
        let result = try await sandbox.run(
            ["demo", "--dir", sandbox.path("demo"), "--beat-ms", "5", "--answer-after", "600", "--timeout", "3"], db: false)
        #expect(result.status == 1)
        #expect(result.stdout.contains("the board did not finish within 3 s"))
        #expect(result.stdout.contains("question answered ✗"))
        #expect(result.stderr.contains("did not show every lifecycle path"))
    }
}
