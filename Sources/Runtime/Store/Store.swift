import Foundation
package import GRDB
import Glibc

/// maestro's SQLite database: the single source of truth. One `Store` (one `DatabasePool`) per file
/// per process; the daemon and CLI processes share the file through SQLite's locking.
///
/// Surfaces and adapters never see SQL or GRDB: they use ``RuntimeAPI`` and ``Board``. The pool and
/// the transaction helpers are `package` so that benchmarks and tests can measure and inspect it.
///
/// ```swift
/// let store = try Store.open(path: ".maestro/maestro.sqlite")
/// let api = RuntimeAPI(store: store, providers: providers)
/// ```
public final class Store: Sendable {
    public let path: String
    /// The underlying pool. Callers go through ``read(_:)`` and ``write(_:)``.
    package let pool: DatabasePool
    /// A random id minted when the store was created; names it in logs and sockets.
    public let storeId: String
    /// Signalled after every write this process commits that changed a row, and by ``ChangeWatcher``
    /// for other processes' commits.
    public let changes = ChangeSignal()

    private init(path: String, pool: DatabasePool, storeId: String) {
        self.path = path
        self.pool = pool
        self.storeId = storeId
    }

    /// Opens (creating if needed) and migrates the store at `path`.
    ///
    /// A file that is not SQLite, a SQLite file maestro did not create, a store written by a newer
    /// maestro, or a read-only file is refused before anything writes to it.
    /// - Throws: ``StoreError``.
    public static func open(path: String) throws(StoreError) -> Store {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .cannotOpen(path: url.path, reason: "cannot create its directory: \(error.localizedDescription)")
        }
        // Processes creating or migrating a store at once (a daemon and a CLI, say) take turns:
        // switching to WAL and a migration are not safe to race. A current store needs no turn, and a
        // refused file gets no lock file beside it.
        var setup: Int32 = -1
        if try inspectExisting(url) != .current {
            setup = Glibc.open(url.path + ".setup-lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            if setup >= 0 { flock(setup, LOCK_EX) }
            _ = try inspectExisting(url)
        }
        defer {
            if setup >= 0 {
                flock(setup, LOCK_UN)
                close(setup)
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let pool = try DatabasePool(path: url.path, configuration: configuration)
            try StoreMigrations.migrator.migrate(pool)
            let storeId = try pool.write { db -> String in
                if let existing = try String.fetchOne(db, sql: "SELECT value FROM metadata WHERE key = 'storeId'") {
                    return existing
                }
                let fresh = UUID().uuidString.lowercased()
                try db.execute(sql: "INSERT INTO metadata (key, value) VALUES ('storeId', ?)", arguments: [fresh])
                return fresh
            }
            return Store(path: url.path, pool: pool, storeId: storeId)
        } catch {
            throw .cannotOpen(path: url.path, reason: "\(error)")
        }
    }

    /// What an existing file holds, as far as opening it is concerned.
    private enum FileState {
        /// Missing, empty, or a store not fully created or migrated yet.
        case incomplete
        /// A store at this build's schema.
        case current
    }

    /// Refuses files maestro must not touch, reading them read-only.
    private static func inspectExisting(_ url: URL) throws(StoreError) -> FileState {
        let path = url.path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return .incomplete }
        guard (attributes[.size] as? Int ?? 0) > 0 else { return .incomplete }
        // No header check of our own: a read-only SQLite open refuses a non-database without writing,
        // and reads a store that another process is creating right now (whose first pages may still
        // be only in its `-wal` file) correctly.
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let tables: Set<String>
        let applied: [String]
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            (tables, applied) = try queue.read { db in
                let names = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                let migrations =
                    names.contains("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
                return (names, migrations)
            }
            try queue.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notADatabase(path: path)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        if tables.isEmpty { return .incomplete }
        // A store another process is creating right now has the migrations table but may not have
        // committed `v1` yet; a GRDB database of another app has migrations, but never our first.
        guard tables.contains("grdb_migrations") else { throw .foreignDatabase(path: path) }
        if let first = StoreMigrations.identifiers.first, !applied.isEmpty, !applied.contains(first) {
            throw .foreignDatabase(path: path)
        }
        let unknown = applied.filter { !StoreMigrations.identifiers.contains($0) }
        if !unknown.isEmpty { throw .newerSchema(path: path, unknownMigrations: unknown) }
        let directory = url.deletingLastPathComponent().path
        guard access(path, W_OK) == 0, access(directory, W_OK) == 0 else { throw .readOnly(path: path) }
        return applied == StoreMigrations.identifiers ? .current : .incomplete
    }

    /// What a database file holds, read without writing anything: for `maestro doctor`.
    public enum Inspection: Sendable, Hashable {
        /// No file, or an empty one: the first command that writes creates it.
        case missing
        /// A store at this build's schema.
        case current(migrations: Int)
        /// A store an earlier build made, or one being created: opening it migrates it.
        case older(applied: [String], pending: [String])
    }

    /// Inspects the file at `path` read-only; refuses what ``open(path:)`` would refuse.
    public static func inspect(path: String) throws(StoreError) -> Inspection {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard Self.holdsData(url.path) else { return .missing }
        switch try inspectExisting(url) {
        case .current: return .current(migrations: StoreMigrations.identifiers.count)
        case .incomplete:
            var configuration = Configuration()
            configuration.readonly = true
            let applied = (try? DatabaseQueue(path: url.path, configuration: configuration).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            }) ?? []
            return .older(applied: applied, pending: StoreMigrations.identifiers.filter { !applied.contains($0) })
        }
    }

    private static func holdsData(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 0
    }

    // MARK: - Access

    /// A read in a snapshot.
    package func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// One IMMEDIATE write transaction; a thrown error rolls it back. Signals ``changes`` after a
    /// commit that changed at least one row: a write that changed nothing wakes nothing. Other
    /// processes learn of the commit through ``ChangeWatcher``.
    package func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        let (result, changed) = try await pool.write { db in
            let before = db.totalChangesCount
            let result = try body(db)
            return (result, db.totalChangesCount != before)
        }
        if changed { changes.notify() }
        return result
    }

    /// A write nobody needs to be woken for: telemetry, cursors, bookkeeping that no decision reads.
    package func record<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await pool.write(body)
    }

    /// The migrations applied to this file, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try StoreMigrations.migrator.appliedIdentifiers(db).sorted() }
    }

    /// The default database path: `.maestro/maestro.sqlite` in the current directory.
    public static let defaultPath = ".maestro/maestro.sqlite"
}
