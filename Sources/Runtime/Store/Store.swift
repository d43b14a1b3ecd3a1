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

    /// maestro's `PRAGMA application_id` ("MAES"), set on the stores it creates: a SQLite file
    /// marked by another application is never taken for an empty store of ours.
    package static let applicationId: Int32 = 0x4D41_4553

    /// Opens (creating if needed, unless `create` is false) and migrates the store at `path`.
    ///
    /// A file that is not SQLite, a SQLite file maestro did not create (or that another
    /// application marked), a store written by a newer maestro, a read-only file or directory, a
    /// directory, and an empty path or one ending in `/` are refused before anything writes, and a
    /// refused open leaves no file behind. With `create` false, a missing or empty file is refused
    /// with ``StoreError/noDatabase(path:)``: reading never creates a database.
    /// - Throws: ``StoreError``.
    public static func open(path: String, create: Bool = true) throws(StoreError) -> Store {
        let url = try checkedLocation(path, create: create)
        let leftovers = Leftovers(around: url.path)
        do {
            return try openChecked(url)
        } catch {
            leftovers.removeNew()
            throw error
        }
    }

    /// Refuses a path that cannot name a database file (empty, ending in `/`, a directory) without
    /// touching anything; returns the file's canonical location. `maestro run` asks before it
    /// takes its lock beside the file.
    @discardableResult
    public static func checkPath(_ path: String) throws(StoreError) -> String {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .cannotOpen(path: path, reason: "the database path is empty; name a file, e.g. .maestro/maestro.sqlite")
        }
        guard !path.hasSuffix("/") else {
            throw .cannotOpen(path: path, reason: "the path ends with '/', which names a directory; name the database file")
        }
        let url = URL(fileURLWithPath: CanonicalPath.of(path))
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .cannotOpen(path: url.path, reason: "it is a directory; name the database file, e.g. \(url.path)/maestro.sqlite")
        }
        return url.path
    }

    /// The file `path` names, after the refusals that need no SQLite: a bad path, a directory, a
    /// missing database for a read, an unwritable place. Creates the directory when creating.
    private static func checkedLocation(_ path: String, create: Bool) throws(StoreError) -> URL {
        let url = URL(fileURLWithPath: try checkPath(path))
        let exists = FileManager.default.fileExists(atPath: url.path)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        if !create, !exists || size == 0 { throw .noDatabase(path: url.path) }
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotOpen(path: url.path, reason: "cannot create its directory: \(error.localizedDescription)")
        }
        // A new or empty file must be written at once, so its place must be writable (WAL needs the
        // directory too); a non-empty one is judged by `inspectExisting` first (a foreign file
        // is foreign whether or not it is writable).
        if size == 0, access(directory.path, W_OK) != 0 || (exists && access(url.path, W_OK) != 0) {
            throw .readOnly(path: url.path)
        }
        return url
    }

    private static func openChecked(_ url: URL) throws(StoreError) -> Store {
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
                if try Int32.fetchOne(db, sql: "PRAGMA application_id") == 0 {
                    try db.execute(sql: "PRAGMA application_id = \(applicationId)")
                }
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
        let marks: (application: Int32, user: Int32)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            (tables, applied, marks) = try queue.read { db in
                let names = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                let migrations =
                    names.contains("grdb_migrations")
                    ? try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") : []
                let marks = (
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0, try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                )
                return (names, migrations, marks)
            }
            try queue.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notADatabase(path: path)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        // Another application's mark, even on a file without tables: not ours to take over.
        if marks.application != 0, marks.application != applicationId { throw .foreignDatabase(path: path) }
        if tables.isEmpty {
            if marks.user != 0 { throw .foreignDatabase(path: path) }
            return .incomplete
        }
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

/// The files an open may create beside the database (the file itself, its WAL and shared-memory
/// files, the setup lock); a refused open removes those that were not there before it and hold no
/// data: an empty database file, an empty WAL with its shared memory (a read-only look at another
/// application's WAL database creates both), the setup lock.
private struct Leftovers {
    let path: String
    let new: Set<String>

    init(around path: String) {
        self.path = path
        new = Set([path, path + "-wal", path + "-shm", path + ".setup-lock"].filter { !FileManager.default.fileExists(atPath: $0) })
    }

    func removeNew() {
        func empty(_ file: String) -> Bool { ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) == 0 }
        var removable = new.filter { $0 == path + ".setup-lock" || ($0 == path && empty($0)) }
        if new.contains(path + "-wal"), empty(path + "-wal") {
            removable.insert(path + "-wal")
            if new.contains(path + "-shm") { removable.insert(path + "-shm") }
        }
        for file in removable { try? FileManager.default.removeItem(atPath: file) }
    }
}
