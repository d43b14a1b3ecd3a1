public import Foundation

/// Where the daemon of one database serves MCP: a Unix socket and a registry entry in a directory
/// only the same OS user can enter.
///
/// The directory is `<base>/<key>`, where `key` is 16 hex digits of a 64-bit FNV-1a hash of the
/// database's canonical path (symlinks resolved), and `base` is `$MAESTRO_RUNTIME_DIR`, else
/// `$XDG_RUNTIME_DIR/maestro`, else `/tmp/maestro-<uid>`. Both directories are mode 0700 and must
/// belong to the current user; the socket is mode 0600.
///
/// ```swift
/// let endpoint = MCPEndpoint(databasePath: "/repo/.maestro/maestro.sqlite")
/// print(endpoint.socketPath)  // /run/user/1000/maestro/1f0c…/mcp.sock
/// ```
public struct MCPEndpoint: Sendable, Hashable {
    /// The database's canonical path: the key of the endpoint.
    public let databasePath: String
    /// The per-database directory holding the socket and the registry entry.
    public let directory: String
    /// The directory holding every database's directory.
    public let base: String

    /// The endpoint of the database at `databasePath` (as given; it is made canonical here).
    public init(databasePath: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let canonical = Self.canonicalPath(databasePath)
        self.databasePath = canonical
        base = Self.baseDirectory(environment: environment)
        directory = base + "/" + Self.key(canonical)
    }

    /// The socket the daemon listens on.
    public var socketPath: String { directory + "/mcp.sock" }
    /// The registry entry beside the socket: which daemon serves it.
    public var registryPath: String { directory + "/daemon.json" }

    /// The longest socket path the kernel accepts (`sun_path` holds 108 bytes with the NUL).
    static let maximumSocketPathLength = 107

    /// `path` absolute, with `.`/`..` and symlinks resolved when it exists.
    public static func canonicalPath(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let resolved = realpath(absolute, nil) else { return absolute }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func baseDirectory(environment: [String: String]) -> String {
        if let explicit = environment["MAESTRO_RUNTIME_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit).standardizedFileURL.path
        }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return URL(fileURLWithPath: runtime).standardizedFileURL.path + "/maestro"
        }
        return "/tmp/maestro-\(getuid())"
    }

    /// 16 hex digits of the 64-bit FNV-1a hash of `path`'s bytes.
    static func key(_ path: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Creates the base and the per-database directory (mode 0700) when missing and checks that
    /// both are real directories of the current user that nobody else can enter.
    /// - Throws: ``MCPEndpointError``.
    public func prepare() throws(MCPEndpointError) {
        guard socketPath.utf8.count <= Self.maximumSocketPathLength else {
            throw .socketPathTooLong(socketPath)
        }
        try Self.privateDirectory(base)
        try Self.privateDirectory(directory)
    }

    /// Makes `path` a 0700 directory of this user, creating it (and its parents) when missing.
    private static func privateDirectory(_ path: String) throws(MCPEndpointError) {
        // `attributesOfItem` does not follow a symlink: one planted at `path` shows as a link.
        var attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if attributes == nil {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                attributes = try FileManager.default.attributesOfItem(atPath: path)
            } catch {
                throw .unusableDirectory(path, "cannot create it: \(error.localizedDescription)")
            }
        }
        // A symlink or another user's directory (say, planted in /tmp) is refused, not followed.
        guard attributes?[.type] as? FileAttributeType == .typeDirectory else { throw .unusableDirectory(path, "it is not a directory") }
        let owner = (attributes?[.ownerAccountID] as? NSNumber)?.uint32Value ?? UInt32.max
        guard owner == getuid() else { throw .unusableDirectory(path, "it belongs to uid \(owner), not \(getuid())") }
        let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue ?? 0
        if mode & 0o777 != 0o700, chmod(path, 0o700) != 0 {
            throw .unusableDirectory(path, "cannot make it private: \(String(cString: strerror(errno)))")
        }
    }
}

/// Why the private endpoint cannot be served.
public enum MCPEndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The socket's path (given) exceeds what `sun_path` holds.
    case socketPathTooLong(String)
    /// The directory (first) cannot be used, and why (second).
    case unusableDirectory(String, String)

    public var description: String {
        switch self {
        case .socketPathTooLong(let path):
            "the MCP socket path \(path) is longer than \(MCPEndpoint.maximumSocketPathLength) bytes; set MAESTRO_RUNTIME_DIR to a shorter directory"
        case .unusableDirectory(let path, let reason):
            "cannot use \(path) for the MCP endpoint: \(reason)"
        }
    }
}
