import Foundation
import GRDB
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// A slot frees only when the agent's process is gone: not when its issue is cancelled, released or
/// deleted while the agent is still exiting. With a limit of one agent, two never run at once.
@Suite struct LiveRunSlotTests {
    static let oneAgent = """
        agent:
          max_concurrent_agents: 1
        """

    /// `issue delete` of the running issue used to leave its agent running while the second issue
    /// was dispatched. Now the delete stops the run first and returns once it is gone.
    @Test func deletingARunningIssueStopsItsAgentFirst() async throws {
        let harness = try await RuntimeHarness(Self.oneAgent) { _ in [.ignoreStop(.milliseconds(800)), .wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("first")
            try await harness.add("second")
            try await harness.eventually("the first run") { harness.runner.liveRuns == 1 }
            let deleted = try await harness.api.deleteIssue("MEM-1")
            #expect(deleted.identifier == "MEM-1")
            #expect(harness.runner.records.first?.ending == .stopped, "the run was gone when the delete returned")
            await #expect(throws: APIError.self) { try await harness.issue("MEM-1") }
            try await harness.eventually("the second run") { harness.runner.records.count == 2 && harness.runner.liveRuns == 1 }
        }
        #expect(harness.runner.maxLiveRuns == 1, "two agents ran at once")
        #expect(harness.runner.records.map(\.identifier) == ["MEM-1", "MEM-2"])
    }

    /// A row deleted by a writer that did not stop the run first (another tool on the database):
    /// the daemon stops the agent and keeps counting its slot until it is gone.
    @Test func aRunWhoseRowVanishesIsStoppedAndKeepsItsSlotUntilGone() async throws {
        let harness = try await RuntimeHarness(Self.oneAgent) { _ in [.ignoreStop(.milliseconds(800)), .wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("first")
            try await harness.add("second")
            try await harness.eventually("the first run") { harness.runner.liveRuns == 1 }
            try await harness.store.write { db in try db.execute(sql: "DELETE FROM issue WHERE identifier = 'MEM-1'") }
            try await harness.eventually("the second run") { harness.runner.records.count == 2 }
        }
        #expect(harness.runner.records.first?.stopRequested == true)
        #expect(harness.runner.maxLiveRuns == 1, "two agents ran at once")
    }

    /// A cancelled run that takes its time to stop still holds its slot.
    @Test func aCancelledRunHoldsItsSlotUntilItStops() async throws {
        let harness = try await RuntimeHarness(Self.oneAgent) { _ in [.ignoreStop(.milliseconds(800)), .wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("first")
            try await harness.add("second")
            try await harness.eventually("the first run") { harness.runner.liveRuns == 1 }
            #expect(try await harness.api.submit(.cancel, to: "MEM-1").status == .applied)
            try await harness.eventually("the second run") { harness.runner.records.count == 2 }
        }
        #expect(harness.runner.maxLiveRuns == 1, "the second agent started while the first was still stopping")
    }

    /// A poll while a cancelled run is still stopping re-judges the issues of live runs. It used
    /// to re-judge the cancelled one too, find its tracker state still active and queue it again,
    /// undoing the cancel (an MCP test saw `retry` refused because the issue was running).
    @Test func aPollWhileACancelledRunStopsLeavesItReleased() async throws {
        let harness = try await RuntimeHarness(Self.oneAgent) { _ in [.ignoreStop(.seconds(3)), .wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("first")
            try await harness.eventually("the run") { harness.runner.liveRuns == 1 }
            #expect(try await harness.api.submit(.cancel, to: "MEM-1").status == .applied)
            let refreshes = harness.tracker.refreshCount
            _ = try await harness.api.refresh()
            // A poll writes nothing when it changes nothing, so these wait by looking.
            #expect(try await Self.within(.seconds(30)) { harness.tracker.refreshCount > refreshes }, "no poll")
            #expect(harness.runner.liveRuns == 1, "the poll came after the run had stopped")
            // The poll's judgement is committed long before the run ends 3 s after the cancel.
            #expect(try await Self.within(.seconds(30)) { harness.runner.liveRuns == 0 }, "the run did not stop")
        }
        #expect(try await harness.issue("MEM-1").lifecycle.state == .released)
        #expect(harness.runner.records.count == 1, "the cancelled issue ran again")
    }

    /// Whether `condition` holds within `limit`, looking every 10 ms.
    static func within(_ limit: Duration, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Deleting a project stops its issues' runs first, the same way.
    @Test func deletingAProjectStopsItsRunsFirst() async throws {
        let harness = try await RuntimeHarness { _ in [.ignoreStop(.milliseconds(300)), .wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("first")
            try await harness.eventually("the run") { harness.runner.liveRuns == 1 }
            _ = try await harness.api.deleteProject("MEM")
            #expect(harness.runner.liveRuns == 0)
            #expect(harness.runner.records.first?.ending == .stopped)
        }
    }

    /// Without a daemon, an issue whose run was live when its daemon stopped is refused: only a
    /// daemon's recovery can stop its agent.
    @Test func withoutADaemonALiveRunIsRefused() async throws {
        let harness = try await RuntimeHarness()
        defer { harness.cleanup() }
        try await harness.add("orphaned")
        try await harness.store.write { db in
            try db.execute(sql: "INSERT INTO session (issueId, phase, startedAt) SELECT id, 'implementation', '2026-01-01 00:00:00.000' FROM issue")
        }
        let cli = RuntimeAPI(board: Board(store: harness.store), providers: Providers([harness.tracker]))
        let refused = await #expect(throws: APIError.self) { try await cli.deleteIssue("MEM-1") }
        #expect(refused?.code == "live_run")
        #expect(refused?.message.contains("start `maestro run`") == true, "\(refused?.message ?? "")")
        #expect(try await cli.issue("MEM-1").identifier == "MEM-1")
        let project = await #expect(throws: APIError.self) { try await cli.deleteProject("MEM") }
        #expect(project?.code == "live_run")
    }
}
