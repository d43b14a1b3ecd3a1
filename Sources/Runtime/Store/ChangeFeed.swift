import Foundation
import GRDB
public import ServiceLifecycle
import Synchronization

/// Wakes waiters when the store may have changed. Wake-ups coalesce: a waiter learns "something
/// changed since you last looked", never what; it then reads the log or the tables.
public final class ChangeSignal: Sendable {
    private let state = Mutex<(generation: UInt64, waiters: [UInt64: CheckedContinuation<Void, Never>], nextId: UInt64)>(
        (0, [:], 0))

    public init() {}

    /// Wakes every current waiter and marks the generation as changed.
    public func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The current generation; pass it to ``wait(after:)``.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Returns once the generation differs from `seen`, or when the task is cancelled.
    public func wait(after seen: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextId &+= 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

extension ChangeSignal {
    /// Returns once either signal's generation differs from the one seen, or when the task is
    /// cancelled.
    public static func wait(_ first: ChangeSignal, after firstSeen: UInt64, or second: ChangeSignal, after secondSeen: UInt64) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await first.wait(after: firstSeen) }
            group.addTask { await second.wait(after: secondSeen) }
            await group.next()
            group.cancelAll()
        }
    }
}

/// Notices writes committed by other processes (a CLI creating or moving an issue) by watching the
/// store's files: every commit in WAL mode appends to the `-wal` file (and a checkpoint rewrites the
/// database file), so a change of either file's size or modification time means "look again". A
/// `stat` per file every 25 ms costs microseconds and no SQLite connection.
///
/// This process's own commits change the files too; they already signalled when they committed.
/// A changed fingerprint is therefore confirmed with `PRAGMA data_version` on the pool's writer
/// connection, which changes only when another connection committed: the daemon never wakes itself
/// twice for one write, and a telemetry or cursor write never wakes it at all.
public struct ChangeWatcher: Service {
    public let store: Store
    public let signal: ChangeSignal
    public let interval: Duration

    public init(store: Store, interval: Duration = .milliseconds(25)) {
        self.store = store
        self.signal = store.changes
        self.interval = interval
    }

    /// How many more polls ask for the data version after the files changed without it: a writer
    /// appends its frames to the WAL before it publishes the commit in the WAL index, so a look in
    /// between sees the new files and the old version, and nothing changes the files again.
    static let confirmations = 20

    /// Polls until the task is cancelled or a graceful shutdown begins.
    public func run() async throws {
        var last = fingerprint()
        var version = try await dataVersion()
        var unconfirmed = 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try await Task.sleep(for: interval)
            let current = fingerprint()
            if current != last {
                last = current
                unconfirmed = Self.confirmations
            } else if unconfirmed == 0 {
                continue
            }
            let now = try await dataVersion()
            if now != version {
                version = now
                unconfirmed = 0
                signal.notify()
            } else {
                unconfirmed -= 1
            }
        }
    }

    private func dataVersion() async throws -> Int {
        try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// Size and modification time (ns) of the database and its WAL.
    private func fingerprint() -> [Int64] {
        [store.path, store.path + "-wal"].flatMap { path -> [Int64] in
            var info = stat()
            guard stat(path, &info) == 0 else { return [-1, -1] }
            return [Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)]
        }
    }
}

/// Delivers committed transitions to a named subscriber in log order, from its durable cursor on:
/// a subscriber that restarts or falls behind catches up from the log, then follows new commits.
package struct TransitionFeed: Sendable {
    public let store: Store
    public let signal: ChangeSignal
    public let batchSize: Int

    public init(store: Store, batchSize: Int = 256) {
        self.store = store
        self.signal = store.changes
        self.batchSize = batchSize
    }

    /// The subscriber's cursor: the last seq it handled (0 before the first).
    public func cursor(of subscriber: String) async throws -> Int64 {
        try await store.read { db in try AdapterCursorRecord.fetchOne(db, key: subscriber)?.seq ?? 0 }
    }

    /// Records that `subscriber` handled everything up to `seq`.
    public func advance(_ subscriber: String, to seq: Int64) async throws {
        // A cursor is bookkeeping, and must not wake other subscribers.
        try await store.record { db in
            try AdapterCursorRecord(name: subscriber, seq: seq, at: Date()).save(db)
        }
    }

    /// Calls `handle` for every transition after the subscriber's cursor, in log order, and waits
    /// for more. A record counts as handled when `handle` returns; the cursor is saved after each
    /// batch, and before returning or rethrowing, so a restart neither skips nor repeats a handled
    /// record. Returns when `handle` returns `false` or the task is cancelled.
    public func follow(as subscriber: String, handle: (TransitionRecord) async throws -> Bool) async throws {
        var saved = try await cursor(of: subscriber)
        var position = saved
        func save() async throws {
            if position != saved {
                try await advance(subscriber, to: position)
                saved = position
            }
        }
        do {
            while !Task.isCancelled {
                let generation = signal.generation
                let start = position
                let batch = try await store.read { [batchSize] db in
                    try TransitionRecord.after(start, limit: batchSize).fetchAll(db)
                }
                for record in batch {
                    let keepFollowing = try await handle(record)
                    position = record.seq ?? position
                    if !keepFollowing {
                        try await save()
                        return
                    }
                }
                try await save()
                if batch.isEmpty { await signal.wait(after: generation) }
            }
        } catch {
            try? await save()
            throw error
        }
    }
}
