import Foundation
import HummingbirdTesting
import RuntimeTesting
import Testing

@testable import Runtime
@testable import Transports

/// The streams' shared tail of the logs: read and encoded once, the newest entries in seq order,
/// and nothing kept or read while nobody listens.
@Suite struct LogTailTests {
    @Test func theTailHoldsTheNewestEntriesAndSendsOlderOnesToTheStore() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        let api = harness.api
        _ = try await api.createProject(NewProject(name: "Maestro", key: "MAE"))
        let tail = LogTail(capacity: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            #expect(tail.take(after: 0) == .behind, "nobody listens: nothing is followed")
            group.addTask { await tail.run(api) }
            tail.listen()
            let start = try await api.lastSeq()
            #expect(try await api.store.waitUntil(upTo: .seconds(30)) { tail.take(after: start) == .messages([]) }, "the tail started")
            for index in 1...5 { _ = try await api.createIssue(in: "MAE", NewIssue(title: "issue \(index)")) }
            let last = try await api.lastSeq()
            let caughtUp = try await api.store.waitUntil(upTo: .seconds(30)) {
                tail.take(after: last - 3) != .behind && tail.take(after: last) == .messages([])
            }
            #expect(caughtUp, "the tail read the new entries")

            // The newest three, each the stream's own message for its entry, in seq order.
            let expected = try await api.log(after: last - 3).map { LogTail.Message(seq: $0.seq, text: try EventStream.message($0)) }
            #expect(expected.map(\.seq) == [last - 2, last - 1, last])
            #expect(tail.take(after: last - 3) == .messages(expected))
            #expect(tail.take(after: last - 1) == .messages(Array(expected.suffix(1))))
            #expect(tail.take(after: last - 4) == .behind, "older than the window: the stream reads the store")
            #expect(tail.take(after: start) == .behind)

            // Once the last listener leaves, the next change empties the window.
            tail.leave()
            _ = try await api.createIssue(in: "MAE", NewIssue(title: "unheard"))
            #expect(try await api.store.waitUntil(upTo: .seconds(30)) { tail.take(after: last) == .behind }, "the window emptied")
            group.cancelAll()
        }
    }

    @Test func aStreamFarBehindTheTailCatchesUpWithoutAGapOrARepeat() async throws {
        var configured = try await HTTPHarness()
        configured.surface.tail = LogTail(capacity: 8)
        let harness = configured
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        for index in 1...5 { _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "issue \(index)")) }
        try await harness.client(.live) { client in
            // A first client brings the tail up; then the log grows well past the tail's window.
            let early = try await EventStreamTests.read(client, "/api/v1/ws?after=0") { EventStreamTests.seqs($0).count >= 6 }
            #expect(EventStreamTests.seqs(early.messages) == Array(1...6))
            for index in 1...40 { _ = try await harness.api.comment(on: "MAE-1", body: "comment \(index)", author: "ana") }
            let total = Int(try await harness.api.lastSeq())
            #expect(total > 8 + 6, "the log outgrew the window")
            let late = try await EventStreamTests.read(client, "/api/v1/ws?after=3") { EventStreamTests.seqs($0).last == total }
            #expect(EventStreamTests.seqs(late.messages) == Array(4...total), "no gap, no repeat")
        }
    }
}
