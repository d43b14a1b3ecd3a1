import Foundation
import GRDB
import Testing

@testable import Runtime

/// Bad database paths and files that are not maestro's are refused with the documented codes, not
/// raw SQLite errors, and a refused open leaves the directory as it found it.
@Suite struct StorePathTests {
    /// The directory's entries, to prove a refused open created nothing.
    func listing(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    func refusal(_ path: String, create: Bool = true) -> StoreError? {
        do {
            _ = try Store.open(path: path, create: create)
            return nil
        } catch {
            return error
        }
    }

    @Test func badPathsAreRefusedWithClearReasons() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let before = listing(temporary.directory)
        let directory = refusal(temporary.directory.path)
        #expect(directory?.code == "cannot_open_database")
        #expect(directory?.description.contains("it is a directory; name the database file") == true, "\(directory?.description ?? "")")
        let empty = refusal("")
        #expect(empty?.code == "cannot_open_database" && empty?.description.contains("the database path is empty") == true)
        let slash = refusal(temporary.path + "/")
        #expect(slash?.code == "cannot_open_database" && slash?.description.contains("ends with '/'") == true)
        #expect(listing(temporary.directory) == before, "nothing was created, not even a file for the trailing slash")
    }

    @Test func anUnwritableDirectoryIsReadOnlyAndGetsNoFiles() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let locked = temporary.directory.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try Immutable.set(locked.path)
        defer { Immutable.clear(locked.path) }
        let refused = refusal(locked.appendingPathComponent("m.sqlite").path)
        #expect(refused == .readOnly(path: locked.appendingPathComponent("m.sqlite").path), "\(String(describing: refused))")
        #expect(listing(locked).isEmpty)
    }

    @Test func anEmptyReadOnlyFileIsReadOnly() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        #expect(FileManager.default.createFile(atPath: temporary.path, contents: Data()))
        try Immutable.set(temporary.path)
        defer { Immutable.clear(temporary.path) }
        #expect(refusal(temporary.path) == .readOnly(path: temporary.path))
        #expect(listing(temporary.directory) == ["maestro.sqlite"])
    }

    /// An empty SQLite file another application marked is theirs; a WAL database of another
    /// application is refused without leaving its WAL files behind.
    @Test func filesOtherApplicationsMarkedAreRefusedAndLeftAlone() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        for (name, pragma) in [("user.sqlite", "PRAGMA user_version = 7"), ("app.sqlite", "PRAGMA application_id = 42")] {
            let path = temporary.directory.appendingPathComponent(name).path
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { db in try db.execute(sql: pragma) }
            try queue.close()
            let bytes = FileManager.default.contents(atPath: path)
            #expect(refusal(path) == .foreignDatabase(path: path), "\(name)")
            #expect(FileManager.default.contents(atPath: path) == bytes)
        }
        let wal = temporary.directory.appendingPathComponent("wal.sqlite").path
        var configuration = Configuration()
        configuration.journalMode = .wal
        let pool = try DatabasePool(path: wal, configuration: configuration)
        try pool.write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT)") }
        try pool.close()
        let before = listing(temporary.directory)
        #expect(refusal(wal) == .foreignDatabase(path: wal))
        #expect(listing(temporary.directory) == before, "no -wal, -shm or lock files left behind")
    }

    @Test func maestroMarksTheStoresItCreates() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        #expect(try await store.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") } == Store.applicationId)
        try store.pool.close()
        _ = try temporary.open()  // its own mark is not foreign
    }

    /// A read never creates a database: a missing file, or its directory, stays missing.
    @Test func aReadOfAMissingDatabaseCreatesNothing() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let path = temporary.directory.appendingPathComponent(".maestro/maestro.sqlite").path
        let refused = refusal(path, create: false)
        #expect(refused == .noDatabase(path: path))
        #expect(refused?.code == "no_database")
        #expect(listing(temporary.directory).isEmpty)
        #expect(FileManager.default.createFile(atPath: temporary.path, contents: Data()))
        #expect(refusal(temporary.path, create: false) == .noDatabase(path: temporary.path), "an empty file is no database either")
    }
}

/// Read-only files and directories for tests: root ignores mode bits, so as root the immutable
/// attribute is used instead.
enum Immutable {
    static func set(_ path: String) throws {
        if getuid() == 0 {
            #expect(run("/usr/bin/chattr", ["+i", path]) == 0, "chattr +i is needed to test read-only files as root")
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: path)
        }
    }

    static func clear(_ path: String) {
        if getuid() == 0 {
            _ = run("/usr/bin/chattr", ["-i", path])
        } else {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
