public import Foundation
import Runtime

/// Finds the live daemon serving a database's MCP endpoint.
public enum MCPDiscovery {
    /// The registry entry of the live daemon of `databasePath`, or `nil` when none serves it.
    ///
    /// An entry counts only when it names this database's canonical path, its process is alive and
    /// holds the database's daemon lock, and (when `storeId` is given) the store id matches: a stale
    /// entry left by a killed daemon, or one for a database replaced since, is ignored.
    public static func liveDaemon(
        databasePath: String, storeId: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> MCPRegistryEntry? {
        let endpoint = MCPEndpoint(databasePath: databasePath, environment: environment)
        guard let entry = MCPRegistry.read(endpoint), entry.databasePath == endpoint.databasePath,
            entry.socket == endpoint.socketPath, MCPRegistry.isAlive(entry.pid)
        else { return nil }
        // The lock is the kernel's word that a daemon runs on this database (a pid may be reused).
        let holder = DaemonLock.liveHolder(databasePath: endpoint.databasePath) ?? DaemonLock.liveHolder(databasePath: databasePath)
        guard let holder, holder.pid == 0 || holder.pid == entry.pid else { return nil }
        if let storeId, storeId != entry.storeId { return nil }
        return entry
    }

    /// The store id of the database at `databasePath`, read without creating anything: `nil` when
    /// there is no such file or it is not a maestro store.
    public static func storeId(databasePath: String) -> String? {
        guard FileManager.default.fileExists(atPath: databasePath) else { return nil }
        return try? Store.open(path: databasePath).storeId
    }
}
