import Foundation
import Testing

/// `maestro run`'s options are checked before anything starts: a bad value is a usage error.
@Suite struct RunOptionTests {
    @Test(arguments: [
        (["--port", "70000"], "--port must be 0...65535 (0 picks a free port), got 70000"),
        (["--port=-1"], "--port must be 0...65535 (0 picks a free port), got -1"),
        (["--log-level", "bogus"], "--log-level must be one of trace, debug, info, notice, warning, error, critical, got 'bogus'"),
    ])
    func badValuesAreUsageErrors(_ arguments: [String], _ message: String) async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", "---\ntracker:\n  kind: kanban\n---\nWork.\n")
        let result = try await sandbox.run(["run"] + arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: maestro run"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.database), "nothing started")
    }
}
