import Foundation
import GRDB
import Runtime
import RuntimeTesting
import Testing

/// A write that changed nothing wakes nothing; only other processes' commits reach the watcher.
@Suite struct StoreSignalTests {
    @Test func onlyWritesThatChangeRowsSignal() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let start = store.changes.generation
        try await store.write { db in try db.execute(sql: "UPDATE issue SET title = 'x' WHERE id = -1") }
        #expect(store.changes.generation == start, "an UPDATE of no row")
        try await store.record { db in try db.execute(sql: "INSERT INTO metadata (key, value) VALUES ('a', 'b')") }
        #expect(store.changes.generation == start, "bookkeeping wakes nobody")
        try await store.write { db in try db.execute(sql: "INSERT INTO metadata (key, value) VALUES ('c', 'd')") }
        #expect(store.changes.generation == start + 1)
    }

    @Test func theWatcherIgnoresThisProcessesCommitsAndSeesAnothers() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let other = try temporary.open()  // another pool on the file: another process, as far as SQLite knows
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await ChangeWatcher(store: store, interval: .milliseconds(5)).run() }
            try await Task.sleep(for: .milliseconds(50))
            let before = store.changes.generation
            for index in 0..<5 {
                try await store.record { db in
                    try db.execute(sql: "INSERT INTO metadata (key, value) VALUES (?, 'own')", arguments: ["own-\(index)"])
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(store.changes.generation == before, "the daemon's own bookkeeping woke it")
            try await other.record { db in try db.execute(sql: "INSERT INTO metadata (key, value) VALUES ('theirs', 'x')") }
            try await Self.waitForChange(of: store, after: before)
            #expect(store.changes.generation > before, "another process's commit was not noticed")
            group.cancelAll()
        }
    }

    /// A client takes the baseline, reads, then starts the watcher: the daemon's answer committed
    /// in between must still wake it (a CLI once waited out its 30 s for a verdict given at once).
    @Test func aCommitBetweenTheBaselineAndTheWatchersStartWakesIt() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let other = try temporary.open()
        let baseline = try await ChangeWatcher.baseline(of: store)
        try await other.record { db in try db.execute(sql: "INSERT INTO metadata (key, value) VALUES ('answer', 'x')") }
        let watcher = ChangeWatcher(store: store, interval: .milliseconds(5), from: baseline)
        #expect(try await Self.wakes(watcher), "the commit before the watcher started was lost")
    }

    /// A writer descheduled after appending its frames but before publishing its commit leaves
    /// files that no longer change: the periodic recheck still notices the commit.
    @Test func aCommitTheFilesNoLongerShowIsFoundByTheRecheck() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let other = try temporary.open()
        let stale = try await ChangeWatcher.baseline(of: store)
        try await other.record { db in try db.execute(sql: "INSERT INTO metadata (key, value) VALUES ('late', 'x')") }
        // The files as they are after the commit, the version as it was before.
        let current = try await ChangeWatcher.baseline(of: store)
        var watcher = ChangeWatcher(
            store: store, interval: .milliseconds(5), from: ChangeWatcher.Baseline(files: current.files, version: stale.version))
        watcher.confirmations = 0
        watcher.recheckPolls = 10
        #expect(try await Self.wakes(watcher), "the recheck did not find the commit")
    }

    /// Whether `watcher`, once started, signals its store.
    static func wakes(_ watcher: ChangeWatcher) async throws -> Bool {
        let before = watcher.signal.generation
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await waitForChange(of: watcher.store, after: before)
            group.cancelAll()
            return watcher.signal.generation > before
        }
    }

    static func waitForChange(of store: Store, after generation: UInt64) async throws {
        // Generous: a loaded suite has kept the watcher's task from running for seconds.
        let deadline = ContinuousClock.now + .seconds(30)
        while store.changes.generation == generation, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }
}
