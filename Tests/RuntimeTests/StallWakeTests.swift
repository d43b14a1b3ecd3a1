import Foundation
import Logging
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// Stall checks have their own wake-up: a run silent for `codex.stall_timeout_ms` is stopped then,
/// not at the next poll, and the log says so in words.
@Suite struct StallWakeTests {
    @Test func aThreeSecondStallFiresAtThreeSecondsNotAtTheNextPoll() async throws {
        let clock = TestClock()
        let harness = try await RuntimeHarness(
            """
            codex:
              stall_timeout_ms: 3000
            polling:
              interval_ms: 60000
            """, clock: clock
        ) { _ in [.wait(.seconds(600))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("silent")
            // The run's first reports (its thread and turn) have landed: its last activity is now.
            try await harness.eventually("the run", upTo: .seconds(60)) { try await harness.api.snapshot().running.first?.turnCount == 1 }
            clock.advance(by: 2.9)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.issue("MEM-1").lifecycle.state == .running, "not stalled before 3 s")
            clock.advance(by: 0.2)  // 3.1 s: well before the 60 s poll
            try await harness.eventually("the stall", upTo: .seconds(60)) { try await harness.issue("MEM-1").lifecycle.state == .retrying }
        }
        #expect(try await harness.issue("MEM-1").lifecycle.lastError == "stalled: no agent activity for 3000 ms")
        let stalled = try #require(harness.logs.entries("run stalled").first)
        #expect(stalled.level == .warning && stalled.metadata["reason"] == "stalled: no agent activity for 3000 ms")
        #expect(
            harness.logs.all.contains {
                $0.message == "MEM-1: running -> retrying: the run failed (stalled: no agent activity for 3000 ms); again in 10 s"
            })
    }
}
