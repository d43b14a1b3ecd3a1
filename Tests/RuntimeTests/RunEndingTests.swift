import Foundation
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// One ending per run, decided once.
@Suite struct RunEndingTests {
    /// A run whose read timed out while the daemon was shutting it down used to be counted both as
    /// interrupted (by the shutdown) and as failed (a retry used, an error recorded). The stop asked
    /// for first wins: the issue is interrupted only.
    @Test func aRunThatFailsWhileTheShutdownStopsItIsOnlyInterrupted() async throws {
        let harness = try await RuntimeHarness { _ in
            [.failWhenStopped("no response to turn/interrupt in time"), .activity("working"), .wait(.seconds(60))]
        }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("busy")
            try await harness.eventually("the run") { try await harness.api.snapshot().running.first?.lastEvent == "working" }
        }
        #expect(harness.runner.records.first?.ending == .failed("no response to turn/interrupt in time"))
        let history = try await harness.history("MEM-1")
        #expect(history.last == "interrupted running->queued", "\(history)")
        #expect(!history.contains { $0.hasPrefix("run_failed") }, "\(history)")
        let issue = try await harness.issue("MEM-1")
        #expect(issue.lifecycle.attempt == 0 && issue.lifecycle.lastError == nil)
        #expect(try await harness.api.sessions("MEM-1").first?.outcome == "stopped: daemon shutdown")
    }

    /// The other way round: a run that failed on its own before anyone asked it to stop keeps its
    /// failure, and the shutdown does not also interrupt it.
    @Test func aRunThatFailedFirstKeepsItsFailure() async throws {
        let harness = try await RuntimeHarness { _ in [.fail("turn failed: the model is overloaded")] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("unlucky")
            try await harness.eventually("the failure") { try await harness.issue("MEM-1").lifecycle.state == .retrying }
        }
        let history = try await harness.history("MEM-1")
        #expect(history.last == "run_failed running->retrying", "\(history)")
        #expect(try await harness.issue("MEM-1").lifecycle.lastError == "turn failed: the model is overloaded")
    }
}

/// `issue show` printed `failures in a row 0` next to `retries_exhausted`: the failure that
/// exhausted the retries was not counted.
@Suite struct FailureCountTests {
    @Test func theFailureThatExhaustsTheRetriesIsCounted() async throws {
        let harness = try await RuntimeHarness(
            """
            agent:
              max_automatic_retries: 0
            """
        ) { _ in [.fail("turn failed: no model")] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("fails once")
            try await harness.eventually("the block") { try await harness.issue("MEM-1").lifecycle.state == .blocked }
        }
        let lifecycle = try await harness.issue("MEM-1").lifecycle
        #expect(lifecycle.blockReason == .retriesExhausted)
        #expect(lifecycle.attempt == 1, "one failure in a row")
        #expect(try await harness.api.transitions(issue: "MEM-1").last?.attempt == 1)
    }
}
