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
                guard case .messages(let newest) = tail.take(after: last - 1) else { return false }
                return newest.map(\.seq) == [last]
            }
            #expect(caughtUp, "the tail read the new entries")

            // The newest three, each the stream's own message for its entry, in seq order.
            let expected = try await api.log(after: last - 3).map { LogTail.Message(seq: $0.seq, text: try EventStream.message($0)) }
            #expect(expected.map(\.seq) == [last - 2, last - 1, last])
            #expect(tail.take(after: last - 3) == .messages(expected))
            #expect(tail.take(after: last - 1) == .messages(Array(expected.suffix(1))))
            #expect(tail.take(after: last - 4) == .behind, "older than the window: the stream reads the store")
            #expect(tail.take(after: start) == .behind)

            // Once the last listener leaves, the window is dropped, with no change to wake the tail.
            tail.leave()
            #expect(try await api.store.waitUntil(upTo: .seconds(30)) { tail.take(after: last) == .behind }, "the window dropped")
            group.cancelAll()
        }
    }

    @Test func streamsFollowTheWindowAsItMovesAndOnesBehindItCatchUpFromTheStore() async throws {
        var configured = try await HTTPHarness()
        configured.surface.tail = LogTail(capacity: 8)
        let harness = configured
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        for index in 1...5 { _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "issue \(index)")) }
        let total = 6 + 40
        try await harness.client(.live) { client in
            // A listener for the whole test keeps the window while the clients below come and go.
            harness.surface.tail.listen()
            defer { harness.surface.tail.leave() }
            // A client follows while 40 comments land: the window fills and moves on under it.
            let followed = try await withThrowingTaskGroup(of: [Int].self) { group in
                group.addTask {
                    let read = try await EventStreamTests.read(client, "/api/v1/ws?after=0") { EventStreamTests.seqs($0).last == total }
                    return EventStreamTests.seqs(read.messages)
                }
                let started = try await harness.api.store.waitUntil(upTo: .seconds(30)) {
                    harness.surface.tail.take(after: 6) == .messages([])
                }
                #expect(started, "the tail follows once a client listens")
                for index in 1...40 { _ = try await harness.api.comment(on: "MAE-1", body: "comment \(index)", author: "ana") }
                return try await group.next() ?? []
            }
            #expect(followed == Array(1...total), "no gap, no repeat")

            // One that resumes inside the window takes it from memory; one behind it reads the store first.
            let inside = try await EventStreamTests.read(client, "/api/v1/ws?after=\(total - 5)") { EventStreamTests.seqs($0).last == total }
            #expect(EventStreamTests.seqs(inside.messages) == Array((total - 4)...total))
            let behind = try await EventStreamTests.read(client, "/api/v1/ws?after=3") { EventStreamTests.seqs($0).last == total }
            #expect(EventStreamTests.seqs(behind.messages) == Array(4...total))
        }
    }
}
