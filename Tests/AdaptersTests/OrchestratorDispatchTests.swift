import Adapters
import Foundation
import Runtime
import StateMachine
import Testing

/// Symphony §17.4, dispatch: order, eligibility, slots. Ticks are driven by hand, so each check sees
/// exactly one scheduling decision.
@Suite struct OrchestratorDispatchTests {
    private func dispatched(_ harness: OrchestratorHarness) async throws -> [String] {
        try await harness.log().filter { $0.event == .dispatch }.map(\.identifier)
    }

    @Test func dispatchOrderIsPriorityThenOldestThenIdentifier() async throws {
        let harness = try OrchestratorHarness(frontMatter: "agent:\n  max_concurrent_agents: 1")
        defer { harness.cleanup() }
        try await harness.project()
        for (title, priority) in [("low", 3), ("urgent old", 1), ("urgent new", 1), ("none", nil)] as [(String, Int?)] {
            try await harness.add(title, priority: priority)
        }
        var order: [String] = []
        for _ in 0..<4 {
            try await harness.orchestrator.tick()
            let next = try #require(try await dispatched(harness).last)
            order.append(next)
            // One slot: finishing the claimed issue frees it for the next.
            _ = try await harness.api.moveIssue(next, to: "cancelled")
        }
        #expect(order == ["MAE-2", "MAE-3", "MAE-1", "MAE-4"])
    }

    @Test func anIssueWithoutASlotStaysQueuedAndWritesNothing() async throws {
        let harness = try OrchestratorHarness(frontMatter: "agent:\n  max_concurrent_agents: 1")
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("a")
        try await harness.add("b")
        try await harness.orchestrator.tick()
        try await harness.orchestrator.tick()
        #expect(try await dispatched(harness) == ["MAE-1"])
        #expect(try await harness.issue("MAE-2").lifecycleState == .queued)
        #expect(try await harness.log("MAE-2").isEmpty)
    }

    @Test func perStateLimitsCapDispatchByTrackerState() async throws {
        let harness = try OrchestratorHarness(
            frontMatter: "agent:\n  max_concurrent_agents: 5\n  max_concurrent_agents_by_state:\n    Todo: 1")
        defer { harness.cleanup() }
        try await harness.project()
        for title in ["a", "b"] { try await harness.add(title, state: "todo") }
        try await harness.add("c", state: "in_progress")
        try await harness.orchestrator.tick()
        #expect(Set(try await dispatched(harness)) == ["MAE-1", "MAE-3"])
    }

    @Test func undispatchableIssuesAreSkippedUntilTheirBlockerFinishes() async throws {
        let harness = try OrchestratorHarness()
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("blocker", state: "backlog")
        try await harness.add("blocked", blockedBy: ["MAE-1"])
        try await harness.orchestrator.tick()
        #expect(try await dispatched(harness).isEmpty)
        #expect(try await harness.issue("MAE-2").lifecycleState == .released)
        _ = try await harness.api.moveIssue("MAE-1", to: "done")
        try await harness.orchestrator.tick()
        #expect(try await dispatched(harness) == ["MAE-2"])
    }

    /// A CLI process writes facts only; the next tick judges them before it dispatches anything.
    @Test func anotherProcessesEditIsJudgedBeforeTheNextDispatch() async throws {
        let harness = try OrchestratorHarness()
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.orchestrator.tick()  // The first tick applies the workflow; nothing to dispatch yet.
        let board = Board(store: harness.store)
        let columns = KanbanColumns(workflow: await harness.source.current)
        let cli = RuntimeAPI(board: board, providers: Providers([KanbanProvider(board: board, columns: columns)]))
        _ = try await cli.createIssue(in: "MAE", NewIssue(title: "a"))
        #expect(try await cli.moveIssue("MAE-1", to: "backlog").lifecycle.state == .queued)
        try await harness.orchestrator.tick()
        #expect(try await dispatched(harness).isEmpty)
        #expect(try await harness.issue("MAE-1").lifecycleState == .released)
        #expect(try await harness.log("MAE-1").last?.payloadObject["source"] == "board_change")
    }

    @Test func requiredLabelsMatchCaseInsensitively() async throws {
        let harness = try OrchestratorHarness(tracker: "  required_labels: [Agent]")
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("labelled", labels: ["AGENT "])
        try await harness.add("unlabelled")
        try await harness.orchestrator.tick()
        #expect(try await dispatched(harness) == ["MAE-1"])
        #expect(try await harness.issue("MAE-2").lifecycleState == .released)
    }

    @Test func reconcilingWithNothingRunningChangesNothing() async throws {
        let harness = try OrchestratorHarness()
        defer { harness.cleanup() }
        try await harness.orchestrator.tick()
        #expect(try await harness.log().isEmpty)
        #expect(await harness.orchestrator.liveRunCount == 0)
    }
}
