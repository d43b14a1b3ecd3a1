/// One documented front matter key. `Specs/workflow.md` holds the same table; a test keeps them equal.
public struct ConfigKey: Sendable {
    /// Dotted path, e.g. `agent.max_turns`.
    public var path: String
    public var type: String
    /// The default as documented (and as ``render`` prints it for a config built from defaults).
    public var defaultValue: String
    public var validation: String
    /// Whether a changed value applies to a running daemon without a restart.
    public var appliesOnReload: Bool
    /// Renders this key's value from a config, in the notation of ``defaultValue``.
    public var render: @Sendable (WorkflowConfig) -> String
}

/// The table of every front matter key maestro reads.
public enum ConfigSchema {
    /// Keys whose value is a free-form map (their children are not checked as keys).
    public static let openMaps: Set<String> = [
        "tracker.provider", "agent.max_concurrent_agents_by_state", "codex.approval_policy",
        "codex.turn_sandbox_policy",
    ]

    /// The default workspace root before resolution.
    public static let defaultWorkspaceRoot = "<system temp>/maestro_workspaces"

    public static let keys: [ConfigKey] = [
        key("tracker.kind", "string", "(required)", "one of: kanban, linear", false) { $0.tracker.kind },
        key("tracker.active_states", "list of strings", "[todo, in_progress]", "non-empty; compared trimmed and lowercased", true) {
            list($0.tracker.activeStates)
        },
        key("tracker.terminal_states", "list of strings", "[done, cancelled]", "non-empty; must not overlap active_states", true) {
            list($0.tracker.terminalStates)
        },
        key("tracker.required_labels", "list of strings", "[]", "lowercased; blanks dropped", true) {
            list($0.tracker.requiredLabels)
        },
        key("tracker.provider", "map", "{}", "adapter-owned; `$VAR` values resolved and kept secret", true) {
            $0.tracker.provider.isEmpty ? "{}" : "{" + $0.tracker.provider.keys.sorted().joined(separator: ", ") + "}"
        },
        key(
            "tracker.claim_state", "string or null", "in_progress",
            "one of active_states; null writes nothing; the default applies only when in_progress is active", true
        ) {
            $0.tracker.claimState ?? "null"
        },
        key("tracker.review_state", "string or null", "human_review", "not one of active_states", true) {
            $0.tracker.reviewState ?? "null"
        },
        key("tracker.done_state", "string or null", "done", "not one of active_states; required when phases.done is enabled", true) {
            $0.tracker.doneState ?? "null"
        },
        key("tracker.endpoint", "string or null", "null", "linear only: alias of tracker.provider.endpoint", true) {
            $0.tracker.provider["endpoint"]?.stringValue ?? "null"
        },
        key("tracker.api_key", "`$VAR` or null", "null", "linear only: alias of tracker.provider.api_key; a secret, never printed", true) {
            $0.tracker.providerEnvironmentNames["api_key"].map { "$" + $0 } ?? "null"
        },
        key("tracker.project_slug", "string or null", "null", "linear only: alias of tracker.provider.project_slug", true) {
            $0.tracker.provider["project_slug"]?.stringValue ?? "null"
        },
        key("tracker.assignee", "string or null", "null", "linear only: alias of tracker.provider.assignee", true) {
            $0.tracker.providerEnvironmentNames["assignee"].map { "$" + $0 } ?? $0.tracker.provider["assignee"]?.stringValue ?? "null"
        },
        key("polling.interval_ms", "integer", "30000", "> 0", true) { "\($0.pollingIntervalMs)" },
        key("workspace.root", "path", defaultWorkspaceRoot, "`~` and `$VAR` expanded; relative to the WORKFLOW.md directory", true) {
            $0.workspaceRoot
        },
        key("hooks.after_create", "shell script or null", "null", "runs with `sh -lc` in a new workspace", true) {
            $0.hooks.afterCreate ?? "null"
        },
        key("hooks.before_run", "shell script or null", "null", "runs before each attempt", true) { $0.hooks.beforeRun ?? "null" },
        key("hooks.after_run", "shell script or null", "null", "runs after each attempt; failure ignored", true) {
            $0.hooks.afterRun ?? "null"
        },
        key("hooks.before_remove", "shell script or null", "null", "runs before a workspace is removed; failure ignored", true) {
            $0.hooks.beforeRemove ?? "null"
        },
        key("hooks.timeout_ms", "integer", "60000", "> 0", true) { "\($0.hooks.timeoutMs)" },
        key("agent.max_concurrent_agents", "integer", "10", "> 0", true) { "\($0.agent.maxConcurrentAgents)" },
        key("agent.max_turns", "integer", "20", "> 0", true) { "\($0.agent.maxTurns)" },
        key("agent.max_retry_backoff_ms", "integer", "300000", "> 0", true) { "\($0.agent.maxRetryBackoffMs)" },
        key("agent.max_automatic_retries", "integer", "10", ">= 0", true) { "\($0.agent.maxAutomaticRetries)" },
        key("agent.continuation_delay_ms", "integer", "1000", ">= 0", true) { "\($0.agent.continuationDelayMs)" },
        key("agent.max_runs_per_issue", "integer", "20", ">= 0; 0 = no limit", true) { "\($0.agent.maxRunsPerIssue)" },
        key("agent.max_turns_per_issue", "integer", "0", ">= 0; 0 = no limit", true) { "\($0.agent.maxTurnsPerIssue)" },
        key("agent.max_tokens_per_issue", "integer", "0", ">= 0; 0 = no limit", true) { "\($0.agent.maxTokensPerIssue)" },
        key(
            "agent.max_concurrent_agents_by_state", "map of state to integer", "{}",
            "values > 0; keys lowercased; bad entries ignored with a warning", true
        ) {
            $0.agent.maxConcurrentAgentsByState.isEmpty
                ? "{}"
                : "{" + $0.agent.maxConcurrentAgentsByState.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        },
        key("codex.command", "shell string", "codex app-server", "non-empty; run with `bash -lc` in the workspace", true) {
            $0.codex.command
        },
        key("codex.approval_policy", "string or map", "never", "untrusted, on-request, never, or {granular: {...}}", true) {
            $0.codex.approvalPolicy.stringValue ?? "{granular}"
        },
        key("codex.thread_sandbox", "string", "workspace-write", "read-only, workspace-write or danger-full-access", true) {
            $0.codex.threadSandbox
        },
        key(
            "codex.turn_sandbox_policy", "map or null", "null",
            "a Codex SandboxPolicy with `type`; null = derived from thread_sandbox (workspace-write: workspaceWrite on the workspace)", true
        ) {
            $0.codex.turnSandboxPolicy == nil ? "null" : "{...}"
        },
        key("codex.turn_timeout_ms", "integer", "3600000", "> 0; the longest silence in a turn", true) { "\($0.codex.turnTimeoutMs)" },
        key("codex.read_timeout_ms", "integer", "5000", "> 0", true) { "\($0.codex.readTimeoutMs)" },
        key("codex.stall_timeout_ms", "integer", "300000", "<= 0 disables stall detection", true) { "\($0.codex.stallTimeoutMs)" },
        key("server.port", "integer", "8787", "0...65535; 0 picks a free port", false) { "\($0.serverPort)" },
        key("server.host", "string", "127.0.0.1", "an address to listen on; beyond loopback it needs an auth token", false) {
            $0.serverHost
        },
        key("server.auth_token", "`$VAR` or null", "null", "the bearer token every HTTP request must carry; a secret, never printed", false) {
            $0.serverAuthTokenVariable.map { "$" + $0 } ?? "null"
        },
        key("phases.review.enabled", "boolean", "true", "false removes the review state", true) { "\($0.review.enabled)" },
        key("phases.review.prompt", "template or null", "null", "strict Liquid; null = a human reviews", true) {
            $0.review.prompt == nil ? "null" : "(template)"
        },
        key("phases.done.enabled", "boolean", "false", "true needs phases.done.prompt and tracker.done_state", true) {
            "\($0.done.enabled)"
        },
        key("phases.done.prompt", "template or null", "null", "strict Liquid", true) {
            $0.done.prompt == nil ? "null" : "(template)"
        },
    ]

    /// Every known path, including the sections (`tracker`, `phases.review`, ...).
    public static let knownPaths: Set<String> = {
        var paths = Set<String>()
        for key in keys {
            var parts = key.path.split(separator: ".").map(String.init)
            while !parts.isEmpty {
                paths.insert(parts.joined(separator: "."))
                parts.removeLast()
            }
        }
        return paths
    }()

    private static func key(
        _ path: String, _ type: String, _ defaultValue: String, _ validation: String, _ reload: Bool,
        render: @escaping @Sendable (WorkflowConfig) -> String
    ) -> ConfigKey {
        ConfigKey(
            path: path, type: type, defaultValue: defaultValue, validation: validation, appliesOnReload: reload,
            render: render)
    }

    private static func list(_ values: [String]) -> String { "[" + values.joined(separator: ", ") + "]" }
}
