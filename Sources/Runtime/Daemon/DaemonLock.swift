public import Foundation
import Synchronization

/// The exclusive per-database lock that makes `maestro run` one daemon per database.
///
/// An `flock` on `<database>.lock`, held for the life of the process (the kernel releases it when
/// the process dies, even by SIGKILL). The file names the holder so a second daemon can say who.
public final class DaemonLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// What the lock file says about its holder.
    public struct Holder: Codable, Sendable, Hashable {
        public var pid: Int32
        public var startedAt: Date
        public var workflow: String
        /// The HTTP listener's base URL once it listens (`http://127.0.0.1:8787`), for tools.
        public var http: String?
    }

    public enum LockError: Error, Sendable, CustomStringConvertible {
        case held(path: String, holder: Holder?)
        case cannotOpen(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .held(let path, let holder?):
                "another maestro daemon (pid \(holder.pid), started \(holder.startedAt.ISO8601Format()), workflow \(holder.workflow)) holds \(path)"
            case .held(let path, nil): "another maestro daemon holds \(path)"
            case .cannotOpen(let path, let code): "cannot open \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Takes the lock for `databasePath` or throws naming the live holder.
    public init(databasePath: String, workflow: String) throws(LockError) {
        path = URL(fileURLWithPath: databasePath).standardizedFileURL.path + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .held(path: path, holder: Self.readHolder(path))
        }
        descriptor = fd
        holder = Mutex(Holder(pid: getpid(), startedAt: Date(), workflow: workflow, http: nil))
        writeHolder()
    }

    private let holder: Mutex<Holder>

    /// Records the HTTP listener's address in the lock file, where `maestro` commands find it.
    public func publish(httpAddress: String) {
        holder.withLock { $0.http = httpAddress }
        writeHolder()
    }

    private func writeHolder() {
        let data = (try? JSONEncoder().encode(holder.withLock { $0 })) ?? Data()
        _ = ftruncate(descriptor, 0)
        data.withUnsafeBytes { bytes in _ = pwrite(descriptor, bytes.baseAddress, bytes.count, 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    static func readHolder(_ path: String) -> Holder? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: data)
    }
}

extension DaemonLock {
    /// The live daemon holding the lock for `databasePath`, if any; the lock is only probed.
    public static func liveHolder(databasePath: String) -> Holder? {
        let path = URL(fileURLWithPath: databasePath).standardizedFileURL.path + ".lock"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return readHolder(path) ?? Holder(pid: 0, startedAt: Date(), workflow: "?", http: nil)
    }
}
