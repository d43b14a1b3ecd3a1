/// The daemon's runtime: the SQLite store, the transition store, the orchestrator and the workspaces.
///
/// Only the module boundary exists so far; the store and the orchestrator arrive with their issues.
public enum RuntimeModule {
    /// The module's name as shown in diagnostics.
    public static let name = "Runtime"
}
