import Foundation
import Runtime
import Testing

/// The mirror of a remote tracker keeps the newest copy it was given, by the tracker's clock.
@Suite struct TrackerMirrorTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    func snapshot(_ state: String, title: String = "Ship it", blockedBy: [BlockerView] = [], changedAt seconds: Double?) -> TrackerSnapshot {
        TrackerSnapshot(
            externalId: "lin-1", identifier: "MEM-1", title: title, state: state, blockedBy: blockedBy,
            updatedAt: seconds.map { Self.start + $0 })
    }

    /// A sync page read while an agent moved its issue to Done was mirrored after the move's
    /// answer: the issue went back to review, and its review run ended blocked (LinearDaemonTests
    /// in CI).
    @Test func aReadOlderThanTheMirroredCopyIsNotMirrored() async throws {
        let harness = try await RuntimeHarness()
        defer { harness.cleanup() }
        let board = harness.board
        #expect(try await board.upsert([snapshot("human_review", changedAt: 10)], in: "MEM") == 1)
        #expect(try await board.upsert([snapshot("done", changedAt: 20)], in: "MEM") == 1, "the move's answer")
        let changes = try await harness.api.changes(after: 0).count

        let blocker = BlockerView(id: "lin-9", identifier: "ENG-9", state: "Todo")
        #expect(
            try await board.upsert([snapshot("human_review", blockedBy: [blocker], changedAt: 10)], in: "MEM") == 0,
            "the page read before the move, blockers included")
        #expect(try await harness.issue("MEM-1").state == "done")
        #expect(try await harness.issue("MEM-1").blockedBy.isEmpty)
        #expect(try await harness.api.changes(after: 0).count == changes, "nothing was written")

        #expect(try await board.upsert([snapshot("done", title: "Shipped", changedAt: 20)], in: "MEM") == 1, "same time: applied")
        #expect(try await board.upsert([snapshot("todo", changedAt: 30)], in: "MEM") == 1)
        #expect(try await harness.issue("MEM-1").state == "todo")
        #expect(try await board.upsert([snapshot("done", changedAt: nil)], in: "MEM") == 1, "a copy without a time is taken as it is")
        #expect(try await harness.issue("MEM-1").state == "done")
        #expect(try await board.upsert([snapshot("todo", changedAt: 25)], in: "MEM") == 0, "the last known time still counts")
    }
}
