import Foundation
import Testing

/// `maestro status` and `maestro logs --follow` against a live daemon: a demo kept running, whose
/// question nobody answers and whose long job nobody cancels.
@Suite(.serialized) struct LiveDaemonTests {
    /// A `maestro demo --keep-running` in the background, stopped with SIGINT by `stop()`.
    final class LiveDemo: @unchecked Sendable {
        let sandbox: BoardSandbox
        let process = Process()
        let output: URL
        var db: String { sandbox.directory.appendingPathComponent("demo/maestro.sqlite").path }

        init() throws {
            sandbox = try BoardSandbox()
            output = sandbox.directory.appendingPathComponent("demo.out")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = CLI.executable
            process.arguments = [
                "demo", "--dir", sandbox.path("demo"), "--keep-running", "--beat-ms", "5", "--answer-after", "600", "--cancel-after", "600",
            ]
            process.currentDirectoryURL = sandbox.directory
            process.environment = CLI.environment()
            let handle = try FileHandle(forWritingTo: output)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        /// Asks the demo to stop (SIGINT) and waits until it has.
        func stop() async {
            if process.isRunning { process.interrupt() }
            await process.exited()
        }

        /// For `defer`: asks the demo to stop without waiting.
        func interrupt() {
            if process.isRunning { process.interrupt() }
        }

        var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

        /// Runs `maestro status --json` until `condition` holds for its snapshot.
        func snapshot(until condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
            for _ in 0..<400 {
                let result = try await sandbox.run(["status", "--json", "--db", db], db: false)
                if result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                    condition(object)
                {
                    return object
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("the snapshot never matched; demo output:\n\(log)")
            throw CancellationError()
        }
    }

    static func identifiers(_ snapshot: [String: Any], _ key: String) -> [String] {
        (snapshot[key] as? [[String: Any]] ?? []).compactMap { $0["issue_identifier"] as? String }
    }

    @Test func statusShowsTheRunningTheBlockedAndTheTotalsThenSaysWhenNoDaemonRuns() async throws {
        let demo = try LiveDemo()
        defer { demo.interrupt() }
        let snapshot = try await demo.snapshot {
            Self.identifiers($0, "running").contains("DEMO-5") && Self.identifiers($0, "blocked").contains("DEMO-2")
        }
        #expect((snapshot["counts"] as? [String: Int])?["blocked"] == 1)
        #expect(((snapshot["codex_totals"] as? [String: Any])?["total_tokens"] as? Int ?? 0) > 0)
        let text = try await demo.sandbox.run(["status", "--db", demo.db], db: false)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("running ·") == true, "\(text.stdout)")
        #expect(lines.contains { $0.hasPrefix("RUNNING") && $0.contains("LAST MESSAGE") })
        #expect(lines.contains { $0.hasPrefix("DEMO-5") && $0.contains("implementation") })
        #expect(lines.contains { $0.hasPrefix("DEMO-2") && $0.contains("input_required") && $0.contains("Which greeting should DEMO-2 use?") })
        #expect(text.stdout.contains("rate limits: primary"))

        // doctor sees the live daemon: a warning (a second run would refuse), not a problem.
        let doctor = try await demo.sandbox.run(["doctor", demo.sandbox.path("demo/WORKFLOW.md"), "--db", demo.db], db: false)
        #expect(doctor.status == 0, "\(doctor.stdout)")
        #expect(doctor.stdout.contains("warning  daemon"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("maestro's built-in demo agent"), "\(doctor.stdout)")

        // --watch redraws: it is interrupted once two frames are out (a loaded machine may take
        // seconds to start it).
        let watcher = Process()
        watcher.executableURL = CLI.executable
        watcher.arguments = ["status", "--watch", "--interval", "0.3", "--db", demo.db]
        watcher.environment = CLI.environment()
        let watched = demo.sandbox.directory.appendingPathComponent("watch.out")
        _ = FileManager.default.createFile(atPath: watched.path, contents: nil)
        watcher.standardOutput = try FileHandle(forWritingTo: watched)
        try watcher.run()
        var frames = ""
        for _ in 0..<300 where frames.components(separatedBy: "RUNNING").count - 1 < 2 {
            try await Task.sleep(for: .milliseconds(100))
            frames = (try? String(contentsOf: watched, encoding: .utf8)) ?? ""
        }
        watcher.interrupt()
        await watcher.exited()
        frames = (try? String(contentsOf: watched, encoding: .utf8)) ?? ""
        #expect(frames.components(separatedBy: "RUNNING").count - 1 >= 2, "\(frames)")

        await demo.stop()
        let after = try await demo.sandbox.run(["status", "--db", demo.db], db: false)
        #expect(after.status == 3)
        #expect(after.stderr.contains("no live maestro daemon"))
    }

    @Test func logsFollowPrintsWhatTheDaemonWritesAsItHappens() async throws {
        let demo = try LiveDemo()
        defer { demo.interrupt() }
        _ = try await demo.snapshot { Self.identifiers($0, "blocked").contains("DEMO-2") }
        let follower = Process()
        follower.executableURL = CLI.executable
        follower.arguments = ["logs", "DEMO-2", "--follow", "--json", "--db", demo.db]
        follower.environment = CLI.environment()
        let followed = demo.sandbox.directory.appendingPathComponent("follow.out")
        _ = FileManager.default.createFile(atPath: followed.path, contents: nil)
        follower.standardOutput = try FileHandle(forWritingTo: followed)
        try follower.run()
        try await Task.sleep(for: .seconds(1))
        // Answer from another process: the follower sees the answer and the run's end.
        let answer = try await demo.sandbox.run(["issue", "answer", "DEMO-2", "Howdy", "--db", demo.db], db: false)
        #expect(answer.status == 0, "\(answer.stderr)")
        var seen = ""
        for _ in 0..<100 where !seen.contains("\"to\":\"closed\"") {
            try await Task.sleep(for: .milliseconds(100))
            seen = (try? String(contentsOf: followed, encoding: .utf8)) ?? ""
        }
        follower.interrupt()
        await follower.exited()
        seen = (try? String(contentsOf: followed, encoding: .utf8)) ?? ""
        let entries = seen.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let events = entries.compactMap { ($0["transition"] as? [String: Any])?["event"] as? String }
        #expect(events.first == "dispatch", "the follower starts from the beginning: \(events)")
        #expect(events.contains("input_required") && events.contains("operator_answered"), "\(events)")
        let answered = entries.first { ($0["transition"] as? [String: Any])?["event"] as? String == "operator_answered" }
        #expect(((answered?["transition"] as? [String: Any])?["details"] as? [String: String])?["answer"] == "Howdy")
        // Every entry once: no seq, event id or session end repeats.
        let keys = entries.map { entry in
            "\(entry["kind"] ?? "")-\((entry["transition"] as? [String: Any])?["seq"] ?? (entry["event"] as? [String: Any])?["id"] ?? (entry["session"] as? [String: Any])?["id"] ?? "")"
        }
        #expect(Set(keys).count == keys.count, "\(keys)")
    }
}
