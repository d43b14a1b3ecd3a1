/// Adapters that react to committed transitions: trackers, the Codex app-server runner, agent tools.
///
/// Only the module boundary exists so far; the adapters arrive with their issues.
public enum AdaptersModule {
    /// The module's name as shown in diagnostics.
    public static let name = "Adapters"
}
