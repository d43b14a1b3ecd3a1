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
///
/// A writer appends its frames to the WAL before it publishes the commit in the WAL index, so the
/// files can change before the version does. The watcher therefore keeps asking for the version
/// for ``confirmations`` polls after the files changed (and after its baseline, which a write in
/// flight may straddle), and once every ``recheckPolls`` polls in any case, so a writer descheduled
/// in between delays the wake-up by at most that long instead of losing it.
public struct ChangeWatcher: Service {
    /// What the watcher compares against: the files' fingerprint and the data version. Take it
    /// before the first read that a wake-up must follow, so a commit between the two is not lost.
    public struct Baseline: Sendable {
        package let files: [Int64]
        package let version: Int

        package init(files: [Int64], version: Int) {
            self.files = files
            self.version = version
        }
    }

    public let store: Store
    public let signal: ChangeSignal
    public let interval: Duration
    private let baseline: Baseline?

    /// Watches from `baseline`, or from the store as it is when ``run()`` starts.
    public init(store: Store, interval: Duration = .milliseconds(25), from baseline: Baseline? = nil) {
        self.store = store
        self.signal = store.changes
        self.interval = interval
        self.baseline = baseline
    }

    /// How many polls ask for the data version after the files changed without it.
    package var confirmations = 20
    /// Every this many polls the version is asked for whatever the files say (1 s at 25 ms).
    package var recheckPolls = 40

    /// The store as it is now.
    public static func baseline(of store: Store) async throws -> Baseline {
        Baseline(files: fingerprint(of: store), version: try await dataVersion(of: store))
    }

    /// Polls until the task is cancelled or a graceful shutdown begins.
    public func run() async throws {
        let start: Baseline
        if let baseline { start = baseline } else { start = try await Self.baseline(of: store) }
        var last = start.files
        var version = start.version
        var unconfirmed = confirmations
        var polls = 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try await Task.sleep(for: interval)
            polls += 1
            let current = Self.fingerprint(of: store)
            if current != last {
                last = current
                unconfirmed = confirmations
            } else if unconfirmed == 0, !polls.isMultiple(of: recheckPolls) {
                continue
            }
            let now = try await Self.dataVersion(of: store)
            if now != version {
                version = now
                unconfirmed = 0
                signal.notify()
            } else if unconfirmed > 0 {
                unconfirmed -= 1
            }
        }
    }

    private static func dataVersion(of store: Store) async throws -> Int {
        try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    /// Size and modification time (ns) of the database and its WAL.
    private static func fingerprint(of store: Store) -> [Int64] {
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
