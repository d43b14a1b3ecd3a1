public import Foundation
import Glibc
public import Logging
import NIOCore
import NIOPosix
public import Runtime
public import ServiceLifecycle

/// The daemon's private MCP endpoint, as a service of its `ServiceGroup`: a Unix socket (mode 0600,
/// in a 0700 directory, see ``MCPEndpoint``) where each connection gets a fresh MCP server over
/// the daemon's Runtime API, and a registry entry beside it naming the daemon.
///
/// On graceful shutdown it stops accepting, lets each connection answer the requests it received,
/// closes them, and removes the socket and the registry entry. A stale entry (its daemon was
/// killed) is replaced at start: the daemon holds the database's lock, so no other one is live.
///
/// ```swift
/// let mcp = MCPService(api: RuntimeAPI(board: board, providers: providers, live: orchestrator), version: "0.1.0", logger: logger)
/// let daemon = Daemon(orchestrator: orchestrator, services: [mcp], logger: logger)
/// ```
public struct MCPService: Service {
    public let api: RuntimeAPI
    public let endpoint: MCPEndpoint
    public let version: String
    public let logger: Logger
    /// How long a closing connection waits for its requests to be answered.
    public var drainLimit: Duration = .seconds(5)
    /// Called once the endpoint accepts connections and its registry entry is written.
    public var onReady: (@Sendable (MCPRegistryEntry) -> Void)?

    /// - Parameters:
    ///   - api: the daemon's Runtime API (with its live side, for the tools that need it).
    ///   - environment: where to find `MAESTRO_RUNTIME_DIR` and `XDG_RUNTIME_DIR`.
    public init(
        api: RuntimeAPI, version: String, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger
    ) {
        self.api = api
        self.version = version
        self.logger = logger
        endpoint = MCPEndpoint(databasePath: api.store.path, environment: environment)
    }

    public func run() async throws {
        try endpoint.prepare()
        if let previous = MCPRegistry.read(endpoint), previous.pid != getpid() {
            logger.notice("replacing a stale MCP registry entry", metadata: ["pid": "\(previous.pid)"])
        }
        // A stale socket (or anything else) at the path in our private directory is replaced.
        if unlink(endpoint.socketPath) != 0, errno != ENOENT { throw POSIXFailure("unlink \(endpoint.socketPath)", errno) }
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            // A client that half-closes (end of its input) still gets the answers to what it sent.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Not NIOAsyncChannels: see AcceptedConnection.
            .bind(unixDomainSocketPath: endpoint.socketPath) { channel in
                channel.eventLoop.makeCompletedFuture { try AcceptedConnection.accept(channel) }
            }
        let identity = MCPServerIdentity(
            storeId: api.store.storeId, databasePath: endpoint.databasePath, pid: getpid(), startedAt: Date(), version: version)
        let context = ToolContext(api: api, identity: identity)
        try await server.executeThenClose { connections in
            // The directory already admits only this user; the mode is the second fence.
            guard chmod(endpoint.socketPath, 0o600) == 0 else { throw POSIXFailure("chmod \(endpoint.socketPath)", errno) }
            let entry = MCPRegistryEntry(
                storeId: identity.storeId, databasePath: identity.databasePath, socket: endpoint.socketPath, pid: identity.pid,
                startedAt: identity.startedAt, version: version)
            try MCPRegistry.write(entry, at: endpoint)
            defer { MCPRegistry.remove(endpoint) }
            logger.info("mcp endpoint listening", metadata: ["socket": "\(endpoint.socketPath)"])
            onReady?(entry)
            let connection = MCPConnection(context: context, logger: logger, drainLimit: drainLimit)
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    for try await client in connections {
                        group.addTask { await connection.serve(client) }
                    }
                }
            } onGracefulShutdown: {
                // Bridges stop finding this endpoint before it stops accepting; each connection
                // drains on the same signal.
                MCPRegistry.remove(endpoint)
                server.channel.close(promise: nil)
            }
            logger.info("mcp endpoint closed")
        }
    }
}
