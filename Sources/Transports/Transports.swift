/// The daemon's surfaces: HTTP, WebSocket, the dashboard and MCP.
///
/// The HTTP surface (`HTTPSurface`), its WebSocket stream and the dashboard it serves at `/`.
public enum TransportsModule {
    /// The module's name as shown in diagnostics.
    public static let name = "Transports"
}
