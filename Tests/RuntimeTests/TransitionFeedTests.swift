import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

@Suite struct TransitionFeedTests {
    /// Collects `count` transitions as `subscriber`, failing instead of hanging after 20 s.
    private func collect(_ count: Int, from feed: TransitionFeed, as subscriber: String, watcher: ChangeWatcher? = nil) async throws
        -> [TransitionRecord]
    {
        try await withThrowingTaskGroup(of: [TransitionRecord]?.self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: [TransitionRecord]?.self) { inner in
                    if let watcher {
                        inner.addTask {
                            try await watcher.run()
                            return nil
                        }
                    }
                    inner.addTask {
                        var seen: [TransitionRecord] = []
                        try await feed.follow(as: subscriber) { record in
                            seen.append(record)
                            return seen.count < count
                        }
                        return seen
                    }
                    let seen = try await inner.next() ?? nil
                    inner.cancelAll()
                    return seen
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return try #require(first, "timed out waiting for \(count) transitions")
        }
    }

    @Test func deliversInSeqOrderAndResumesFromTheDurableCursor() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issues = try await Fixtures.seed(store, issues: 3)
        for issue in issues {
            _ = try await TransitionStore.apply(.dispatch, to: issue.id!, in: store, machine: Fixtures.machine)
        }
        let feed = TransitionFeed(store: store, batchSize: 2)
        let first = try await collect(3, from: feed, as: "test")
        #expect(first.map(\.identifier) == issues.map(\.identifier))
        #expect(try await feed.cursor(of: "test") == first.last?.seq)

        // A restarted subscriber sees only what it has not handled.
        _ = try await TransitionStore.apply(.pause, to: issues[1].id!, in: store, machine: Fixtures.machine)
        let resumed = try await collect(1, from: feed, as: "test")
        #expect(resumed.map(\.event) == [.pause])
        // Another subscriber has its own cursor and starts from the beginning.
        #expect(try await collect(4, from: feed, as: "other").count == 4)
    }

    @Test func followsCommitsMadeWhileWaiting() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issue = try await Fixtures.seed(store, issues: 1)[0]
        let feed = TransitionFeed(store: store)
        async let collected = collect(2, from: feed, as: "live")
        try await Task.sleep(for: .milliseconds(50))
        _ = try await TransitionStore.apply(.dispatch, to: issue.id!, in: store, machine: Fixtures.machine)
        _ = try await TransitionStore.apply(.interrupted, to: issue.id!, in: store, machine: Fixtures.machine)
        #expect(try await collected.map(\.toState) == [.workspace, .queued])
    }

    /// A commit by another process wakes the feed through the change watcher.
    @Test func noticesCommitsFromAnotherProcess() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issue = try await Fixtures.seed(store, issues: 1)[0]
        let feed = TransitionFeed(store: store)
        let watcher = ChangeWatcher(store: store, interval: .milliseconds(5))
        async let collected = collect(1, from: feed, as: "remote", watcher: watcher)
        try await Task.sleep(for: .milliseconds(50))
        let probe = try await runProgram(Fixtures.benchExecutable, ["contend", temporary.path, String(issue.id!), "0"])
        #expect(probe.status == 0)
        #expect(try await collected.map(\.event) == [.dispatch])
    }

    @Test func changeSignalWakesWaitersAndCoalesces() async {
        let signal = ChangeSignal()
        let seen = signal.generation
        signal.notify()
        signal.notify()
        await signal.wait(after: seen)  // returns at once: the generation moved
        #expect(signal.generation == seen + 2)
        let current = signal.generation
        async let woken: Void = signal.wait(after: current)
        try? await Task.sleep(for: .milliseconds(20))
        signal.notify()
        await woken
        #expect(signal.generation == current + 1)
    }
}
