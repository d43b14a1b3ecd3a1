import Foundation
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// How often the runtime asks a remote tracker, counted by the in-memory tracker: a remote tracker
/// (Linear) has a request budget, and every refresh is a request.
@Suite struct TrackerEconomyTests {
    /// Three issues dispatched in one pass used to cost three requests, one per candidate.
    @Test func theCandidatesOfADispatchPassAreRefreshedTogether() async throws {
        let harness = try await RuntimeHarness("agent:\n  max_concurrent_agents: 3") { _ in [.wait(.seconds(5))] }
        defer { harness.cleanup() }
        for title in ["a", "b", "c"] { try await harness.add(title) }
        try await harness.running {
            try await harness.eventually("three runs") { harness.runner.liveRuns == 3 }
            #expect(harness.tracker.refreshCount == 1)
            #expect(harness.tracker.refreshedIds.sorted() == ["mem-1", "mem-2", "mem-3"])
        }
    }

    /// A run ends because the refresh after its turn said the issue moved on; its end used to ask
    /// the tracker again for the same facts.
    @Test func aRunEndedByARefreshIsNotRefreshedAgain() async throws {
        let harness = try await RuntimeHarness { _ in [.move(to: "human_review"), .endTurn] }
        defer { harness.cleanup() }
        try await harness.add("hand off")
        try await harness.running {
            try await harness.eventually("the review") { try await harness.issue("MEM-1").lifecycle.state == .review }
        }
        // One refresh before the dispatch, one after the turn; the run's end reads the second's facts.
        #expect(harness.tracker.refreshCount == 2)
        #expect(
            try await harness.history("MEM-1") == ["dispatch queued->workspace", "workspace_ready workspace->running", "run_ended running->review"])
    }

    /// A run that reached its turn limit was not asked after its last turn: its end refreshes.
    @Test func aRunAtItsTurnLimitIsRefreshedAtItsEnd() async throws {
        let harness = try await RuntimeHarness("agent:\n  max_turns: 1") { _ in [.move(to: "human_review")] }
        defer { harness.cleanup() }
        try await harness.add("one turn")
        try await harness.running {
            try await harness.eventually("the review") { try await harness.issue("MEM-1").lifecycle.state == .review }
        }
        #expect(harness.tracker.refreshCount == 2)
    }
}
