import Foundation
import Logging
import MCP
import NIOCore
import NIOPosix
import Runtime
import RuntimeTesting
import ServiceLifecycle
import Testing

@testable import Transports

/// Where the endpoint lives, who may enter, and its registry entry's life.
@Suite(.serialized) struct MCPEndpointTests {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    @Test func theEndpointIsKeyedByTheCanonicalDatabasePath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("maestro.sqlite").path
        #expect(FileManager.default.createFile(atPath: database, contents: nil))
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link").path, withDestinationPath: directory.path)
        let environment = ["MAESTRO_RUNTIME_DIR": "/tmp/rt"]
        let direct = MCPEndpoint(databasePath: database, environment: environment)
        let viaLink = MCPEndpoint(databasePath: directory.appendingPathComponent("link/./maestro.sqlite").path, environment: environment)
        #expect(direct == viaLink)
        #expect(direct.directory.hasPrefix("/tmp/rt/") && direct.socketPath == direct.directory + "/mcp.sock")
        #expect(direct.registryPath == direct.directory + "/daemon.json")
        #expect(MCPEndpoint(databasePath: database + "2", environment: environment).directory != direct.directory)
        // Without an override: the XDG runtime directory, else one per user in /tmp.
        #expect(MCPEndpoint(databasePath: database, environment: ["XDG_RUNTIME_DIR": "/run/user/7"]).base == "/run/user/7/maestro")
        #expect(MCPEndpoint(databasePath: database, environment: [:]).base == "/tmp/maestro-\(getuid())")
    }

    @Test func directoriesArePrivateAndForeignOrLinkedOnesAreRefused() throws {
        let root = URL(fileURLWithPath: "/tmp/mcp-dirs-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let endpoint = MCPEndpoint(databasePath: "/nowhere/maestro.sqlite", environment: ["MAESTRO_RUNTIME_DIR": root.path + "/base"])
        try endpoint.prepare()
        #expect(Self.mode(endpoint.base) == 0o700 && Self.mode(endpoint.directory) == 0o700)
        // A loosened directory is tightened again.
        chmod(endpoint.directory, 0o755)
        try endpoint.prepare()
        #expect(Self.mode(endpoint.directory) == 0o700)

        // A symlink planted where the base should be is not followed.
        let planted = MCPEndpoint(databasePath: "/nowhere/maestro.sqlite", environment: ["MAESTRO_RUNTIME_DIR": root.path + "/planted"])
        try FileManager.default.createSymbolicLink(atPath: root.path + "/planted", withDestinationPath: endpoint.base)
        #expect(throws: MCPEndpointError.unusableDirectory(root.path + "/planted", "it is not a directory")) { try planted.prepare() }

        let long = MCPEndpoint(
            databasePath: "/nowhere/maestro.sqlite", environment: ["MAESTRO_RUNTIME_DIR": "/tmp/" + String(repeating: "x", count: 90)])
        #expect(throws: MCPEndpointError.socketPathTooLong(long.socketPath)) { try long.prepare() }
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give a directory to another user"))
    func aDirectoryOfAnotherUserIsRefused() throws {
        let root = URL(fileURLWithPath: "/tmp/mcp-owner-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let endpoint = MCPEndpoint(databasePath: "/nowhere/maestro.sqlite", environment: ["MAESTRO_RUNTIME_DIR": root.path])
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(chown(root.path, 65534, 65534) == 0)
        #expect(throws: MCPEndpointError.unusableDirectory(root.path, "it belongs to uid 65534, not 0")) { try endpoint.prepare() }
    }

    @Test func theSocketIsPrivateAndTheRegistryEntryLivesAsLongAsTheEndpoint() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let endpoint = harness.endpoint
        // A stale entry of a killed daemon (a pid beyond pid_max is never alive) is replaced.
        try endpoint.prepare()
        let stale = MCPRegistryEntry(
            storeId: "old", databasePath: endpoint.databasePath, socket: endpoint.socketPath, pid: 999_999_999, startedAt: Date(), version: "0")
        try MCPRegistry.write(stale, at: endpoint)
        #expect(FileManager.default.createFile(atPath: endpoint.socketPath, contents: nil) == true)
        #expect(MCPDiscovery.liveDaemon(databasePath: harness.store.path, environment: harness.environment) == nil, "a stale entry is ignored")
        let storeId = harness.store.storeId
        let environment = harness.environment
        let database = harness.store.path
        try await harness.serving { entry in
            #expect(Self.mode(endpoint.socketPath) == 0o600 && Self.mode(endpoint.directory) == 0o700)
            var info = stat()
            #expect(lstat(endpoint.socketPath, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK)
            #expect(Self.mode(endpoint.registryPath) == 0o600)
            let written = try #require(MCPRegistry.read(endpoint))
            #expect(written.storeId == storeId && written.pid == getpid() && written.version == "test" && written.socket == entry.socket)
            #expect(written.databasePath == endpoint.databasePath && abs(written.startedAt.timeIntervalSince(entry.startedAt)) < 0.001)
            let json = try #require(FileManager.default.contents(atPath: endpoint.registryPath))
            let keys = (try JSONSerialization.jsonObject(with: json) as? [String: Any])?.keys.sorted()
            #expect(keys == ["database_path", "pid", "socket", "started_at", "store_id", "version"])
            #expect(MCPDiscovery.liveDaemon(databasePath: database, storeId: storeId, environment: environment) == written)
            #expect(MCPDiscovery.liveDaemon(databasePath: database, storeId: "another", environment: environment) == nil)
        }
        #expect(!FileManager.default.fileExists(atPath: endpoint.registryPath), "removed on graceful shutdown")
        #expect(!FileManager.default.fileExists(atPath: endpoint.socketPath))
        #expect(MCPDiscovery.liveDaemon(databasePath: database, environment: environment) == nil)
    }

    /// A daemon shutting down answers what a client already asked before it closes the connection:
    /// a pause that waits for a verdict no orchestrator gives is answered `command_pending` after its
    /// wait, although the shutdown began meanwhile.
    @Test func shutdownAnswersRequestsInFlight() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let changes = harness.store.changes
        try await harness.controlling(orchestrator: false) { entry, group in
            try await MCPTestClient.with(entry.socket) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "x", "state": "backlog"])
                let generation = changes.generation
                async let verdict = client.tool("pause_issue", ["identifier": "KAN-1", "wait_seconds": 2])
                // Nothing else writes: the next change is the command the daemon received.
                _ = try await withTimeout(.seconds(10)) { await changes.wait(after: generation) }
                await group.triggerGracefulShutdown()
                let reply = try await verdict
                #expect(reply.code == "command_pending", "answered during the shutdown: \(reply.text)")
            }
        }
    }

    /// Clients that connect while the endpoint shuts down (a bridge reconnecting at that moment)
    /// neither crash the daemon nor keep it from stopping: some are served and closed, the rest
    /// find no socket.
    @Test func connectionsArrivingDuringTheShutdownAreHarmless() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let connecting = Tally()
        try await harness.controlling(orchestrator: false) { entry, group in
            try await withThrowingTaskGroup(of: Int.self) { clients in
                for _ in 0..<4 {
                    clients.addTask {
                        var connected = 0
                        for _ in 0..<200 {
                            guard
                                let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                                    .connectTimeout(.seconds(2)).connect(unixDomainSocketPath: entry.socket).get()
                            else { break }
                            if connected == 0 { connecting.add() }
                            connected += 1
                            channel.close(promise: nil)
                        }
                        return connected
                    }
                }
                // Shut down while every client is connecting (a loaded machine may start them late).
                for _ in 0..<1000 where connecting.count < 4 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                await group.triggerGracefulShutdown()
                var total = 0
                while let count = try await clients.next() { total += count }
                #expect(total > 0)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: harness.endpoint.socketPath))
    }
}
