/// The daemon's surfaces: HTTP, WebSocket, the dashboard and MCP.
///
/// Only the module boundary exists so far; the transports arrive with their issues.
public enum TransportsModule {
    /// The module's name as shown in diagnostics.
    public static let name = "Transports"
}
