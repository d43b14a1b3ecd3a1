import Foundation
public import GRDB

/// maestro's SQLite database: the single source of truth. One `Store` (one `DatabasePool`) per file
/// per process; the daemon and CLI processes share the file through SQLite's locking.
///
/// ```swift
/// let store = try Store.open(path: ".maestro/maestro.sqlite")
/// let projects = try await store.read { db in try ProjectRecord.fetchAll(db) }
/// ```
public final class Store: Sendable {
    public let path: String
    /// The underlying pool. Callers go through ``read(_:)`` and ``write(_:)``.
    public let pool: DatabasePool
    /// A random id minted when the store was created; names it in logs and sockets.
    public let storeId: String
    /// Signalled after every write this process commits, and by ``ChangeWatcher`` for other processes.
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
        try inspectExisting(url)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .cannotOpen(path: url.path, reason: "cannot create its directory: \(error.localizedDescription)")
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

    /// Refuses files maestro must not touch, reading them read-only.
    private static func inspectExisting(_ url: URL) throws(StoreError) {
        let path = url.path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
        guard (attributes[.size] as? Int ?? 0) > 0 else { return }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .cannotOpen(path: path, reason: "unreadable") }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        guard header == Data("SQLite format 3\0".utf8) else { throw .notADatabase(path: path) }

        var configuration = Configuration()
        configuration.readonly = true
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
        } catch {
            throw .notADatabase(path: path)
        }
        if tables.isEmpty { return }
        guard tables.contains("grdb_migrations"), tables.contains("metadata") else { throw .foreignDatabase(path: path) }
        let unknown = applied.filter { !StoreMigrations.identifiers.contains($0) }
        if !unknown.isEmpty { throw .newerSchema(path: path, unknownMigrations: unknown) }
        let directory = url.deletingLastPathComponent().path
        guard access(path, W_OK) == 0, access(directory, W_OK) == 0 else { throw .readOnly(path: path) }
    }

    // MARK: - Access

    /// A read in a snapshot.
    public func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// One IMMEDIATE write transaction; a thrown error rolls it back. Signals ``changes`` after the
    /// commit; other processes learn of it through ``ChangeWatcher``.
    public func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        let result = try await pool.write(body)
        changes.notify()
        return result
    }

    /// The migrations applied to this file, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try StoreMigrations.migrator.appliedIdentifiers(db).sorted() }
    }

    /// The default database path: `.maestro/maestro.sqlite` in the current directory.
    public static let defaultPath = ".maestro/maestro.sqlite"
}
