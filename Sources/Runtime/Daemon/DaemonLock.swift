public import Foundation
import Synchronization

/// The exclusive per-database lock that makes `maestro run` one daemon per database.
///
/// Two `flock`s, each held for the life of the process (the kernel releases them when the process
/// dies, even by SIGKILL), both taken before start-up recovery touches any process:
/// - `<canonical database path>.lock`: the database's path with every symlink resolved, so another
///   name for the same file (a symlink to it or to its directory, `..` in the path) is the same lock;
/// - `store-<store id>.lock` in a per-user directory, taken once the store is open: a hard link or a
///   copy of a database carries the same store id, and recovery through it would kill the first
///   daemon's agents.
///
/// Each file names its holder so a second daemon can say who.
public final class DaemonLock: Sendable {
    /// The lock file beside the database, under the database's canonical path.
    public let path: String
    /// The canonical path of the database.
    public let databasePath: String
    private let descriptor: Int32
    private let holder: Mutex<Holder>
    /// Whether this lock created its file (so ``discard()`` may remove it).
    private let createdFile: Bool
    private let storeDescriptor = Mutex<Int32>(-1)

    /// What a lock file says about its holder.
    public struct Holder: Codable, Sendable, Hashable {
        public var pid: Int32
        public var startedAt: Date
        public var workflow: String
        /// The canonical database path the holder runs on (absent in files of older versions).
        public var database: String?
        /// The HTTP listener's base URL once it listens (`http://127.0.0.1:8787`), for tools.
        public var http: String?
    }

    public enum LockError: Error, Sendable, CustomStringConvertible {
        case held(path: String, holder: Holder?)
        /// Another daemon holds the same store under another file name (a hard link or a copy).
        case storeHeld(storeId: String, holder: Holder?)
        case cannotOpen(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .held(let path, let holder?):
                "another maestro daemon (\(holder.summary)) holds \(path)"
            case .held(let path, nil): "another maestro daemon holds \(path)"
            case .storeHeld(let storeId, let holder):
                "another maestro daemon (\(holder?.summary ?? "pid unknown")) runs on store \(storeId)"
                    + (holder?.database.map { " at \($0)" } ?? "")
                    + "; this database is another name or a copy of it"
            case .cannotOpen(let path, let code): "cannot open \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Takes the lock for `databasePath` (any name of it) or throws naming the live holder.
    public init(databasePath: String, workflow: String) throws(LockError) {
        self.databasePath = CanonicalPath.of(databasePath)
        path = self.databasePath + ".lock"
        let holder = Holder(pid: getpid(), startedAt: Date(), workflow: workflow, database: self.databasePath, http: nil)
        self.holder = Mutex(holder)
        createdFile = !FileManager.default.fileExists(atPath: path)
        descriptor = try Self.take(path, holder: holder) { .held(path: $0, holder: $1) }
    }

    /// Takes the store-id lock: refuses a second daemon on a hard link or copy of a live database.
    /// Call it once the store is open, before recovery.
    public func claimStore(_ storeId: String) throws(LockError) {
        guard let directory = Self.storeLockDirectory() else { return }
        let file = directory + "/store-\(storeId).lock"
        let fd = try Self.take(file, holder: holder.withLock { $0 }) { _, holder in .storeHeld(storeId: storeId, holder: holder) }
        let previous = storeDescriptor.withLock { current in
            defer { current = fd }
            return current
        }
        if previous >= 0 { close(previous) }
    }

    /// Records the HTTP listener's address in the lock file, where `maestro` commands find it.
    public func publish(httpAddress: String) {
        let current = holder.withLock { holder in
            holder.http = httpAddress
            return holder
        }
        Self.write(current, to: descriptor)
    }

    /// The database was refused: remove the lock file if this lock created it, so a refused start
    /// leaves nothing beside a file that is not maestro's. The lock is still held until released.
    public func discard() {
        if createdFile { unlink(path) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
        let store = storeDescriptor.withLock { $0 }
        if store >= 0 { close(store) }
    }

    /// Opens `file`, takes an exclusive non-blocking `flock` and writes `holder` into it.
    private static func take(_ file: String, holder: Holder, refused: (String, Holder?) -> LockError) throws(LockError) -> Int32 {
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: file, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw refused(file, readHolder(file))
        }
        write(holder, to: fd)
        return fd
    }

    private static func write(_ holder: Holder, to fd: Int32) {
        let data = (try? JSONEncoder().encode(holder)) ?? Data()
        _ = ftruncate(fd, 0)
        data.withUnsafeBytes { bytes in _ = pwrite(fd, bytes.baseAddress, bytes.count, 0) }
    }

    /// A directory only this user can write, for locks keyed by store id; `nil` (no store lock) when
    /// it cannot be made safe (another user owns it).
    static func storeLockDirectory() -> String? {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("maestro-\(getuid())").path
        _ = mkdir(directory, 0o700)
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_uid == getuid(), (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return directory
    }

    static func readHolder(_ path: String) -> Holder? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: data)
    }
}

extension DaemonLock {
    /// The live daemon holding the lock for `databasePath` (any name of it), if any; the lock is
    /// only probed.
    public static func liveHolder(databasePath: String) -> Holder? {
        let path = CanonicalPath.of(databasePath) + ".lock"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return readHolder(path) ?? Holder(pid: 0, startedAt: Date(), workflow: "?", database: nil, http: nil)
    }
}

extension DaemonLock.Holder {
    var summary: String { "pid \(pid), started \(startedAt.ISO8601Format()), workflow \(workflow)" }
}
