import Foundation
import Runtime
import RuntimeTesting
import Testing

/// One daemon per database, whatever name the database is reached by. `flock`s of one process
/// conflict with each other when taken through separate opens, so a second lock in this process
/// stands for a second daemon.
@Suite struct DaemonLockTests {
    @Test func everyNameOfTheDatabaseIsOneLock() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let directory = temporary.directory.path
        _ = try temporary.open()
        let first = try DaemonLock(databasePath: temporary.path, workflow: "WORKFLOW.md")
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.sqlite", withDestinationPath: "maestro.sqlite")
        try FileManager.default.createSymbolicLink(atPath: directory + "/dir", withDestinationPath: directory)
        let names = [
            directory + "/link.sqlite", directory + "/dir/maestro.sqlite",
            directory + "/dir/../" + temporary.directory.lastPathComponent + "/maestro.sqlite",
            directory + "/./maestro.sqlite",
        ]
        for name in names {
            #expect(DaemonLock.liveHolder(databasePath: name)?.pid == getpid(), "\(name)")
            let refused = #expect(throws: DaemonLock.LockError.self) { try DaemonLock(databasePath: name, workflow: "other.md") }
            #expect(refused?.description.hasPrefix("another maestro daemon (pid \(getpid()),") == true, "\(refused?.description ?? "")")
        }
        #expect(first.path == CanonicalPath.of(temporary.path) + ".lock")
        withExtendedLifetime(first) {}
    }

    @Test func aDanglingSymlinkLocksTheFileItWillCreate() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let directory = temporary.directory.path
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.sqlite", withDestinationPath: "later.sqlite")
        #expect(CanonicalPath.of(directory + "/link.sqlite") == CanonicalPath.of(directory) + "/later.sqlite")
        let first = try DaemonLock(databasePath: directory + "/link.sqlite", workflow: "WORKFLOW.md")
        #expect(throws: DaemonLock.LockError.self) { try DaemonLock(databasePath: directory + "/later.sqlite", workflow: "WORKFLOW.md") }
        withExtendedLifetime(first) {}
    }

    /// A hard link or a copy carries the store id: the second daemon is refused before recovery.
    @Test func aSecondDaemonOnTheSameStoreIdIsRefused() throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let storeId = "test-\(UUID().uuidString)"
        let first = try DaemonLock(databasePath: temporary.path, workflow: "WORKFLOW.md")
        try first.claimStore(storeId)
        let copy = try DaemonLock(databasePath: temporary.directory.path + "/copy.sqlite", workflow: "WORKFLOW.md")
        let refused = #expect(throws: DaemonLock.LockError.self) { try copy.claimStore(storeId) }
        #expect(
            refused?.description.contains("runs on store \(storeId) at \(CanonicalPath.of(temporary.path))") == true, "\(refused?.description ?? "")")
        #expect(refused?.description.hasSuffix("this database is another name or a copy of it") == true)
        withExtendedLifetime(first) {}
    }
}
