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
            let deadline = ContinuousClock.now + .seconds(5)
            while store.changes.generation == before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(store.changes.generation > before, "another process's commit was not noticed")
            group.cancelAll()
        }
    }
}
