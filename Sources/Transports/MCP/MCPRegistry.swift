public import Foundation
import Glibc
import Runtime

/// The registry entry beside the socket: which daemon serves the endpoint. `maestro mcp` reads it to
/// check that the socket belongs to the live daemon of its database before relaying a byte.
public struct MCPRegistryEntry: Codable, Sendable, Hashable {
    public var storeId: String
    /// The database's canonical path.
    public var databasePath: String
    public var socket: String
    public var pid: Int32
    public var startedAt: Date
    /// maestro's version.
    public var version: String

    public init(storeId: String, databasePath: String, socket: String, pid: Int32, startedAt: Date, version: String) {
        self.storeId = storeId
        self.databasePath = databasePath
        self.socket = socket
        self.pid = pid
        self.startedAt = startedAt
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case storeId = "store_id"
        case databasePath = "database_path"
        case socket, pid
        case startedAt = "started_at"
        case version
    }
}

/// Reads and writes registry entries.
public enum MCPRegistry {
    /// The entry at `endpoint`, if one is there and readable.
    public static func read(_ endpoint: MCPEndpoint) -> MCPRegistryEntry? {
        guard let data = FileManager.default.contents(atPath: endpoint.registryPath) else { return nil }
        return try? MaestroJSON.decoder().decode(MCPRegistryEntry.self, from: data)
    }

    /// Writes `entry` atomically (a temporary file renamed over the old one), mode 0600.
    static func write(_ entry: MCPRegistryEntry, at endpoint: MCPEndpoint) throws {
        let data = try MaestroJSON.encoder().encode(entry)
        let temporary = endpoint.registryPath + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXFailure("open \(temporary)", errno) }
        let written = data.withUnsafeBytes { bytes in Glibc.write(fd, bytes.baseAddress, bytes.count) }
        close(fd)
        guard written == data.count else {
            unlink(temporary)
            throw POSIXFailure("write \(temporary)", errno)
        }
        guard rename(temporary, endpoint.registryPath) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXFailure("rename \(temporary)", code)
        }
    }

    /// Removes the entry and the socket, if the entry is still this process's.
    static func remove(_ endpoint: MCPEndpoint, pid: Int32 = getpid()) {
        guard read(endpoint)?.pid == pid else { return }
        unlink(endpoint.registryPath)
        unlink(endpoint.socketPath)
    }

    /// Whether process `pid` exists (a zombie or another user's process counts).
    static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}

/// A failed system call, with what was being done.
struct POSIXFailure: Error, CustomStringConvertible {
    let operation: String
    let code: Int32

    init(_ operation: String, _ code: Int32) {
        self.operation = operation
        self.code = code
    }

    var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
