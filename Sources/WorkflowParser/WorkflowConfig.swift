public import StateMachine

/// The typed configuration of a WORKFLOW.md front matter, with defaults filled in.
///
/// `Specs/workflow.md` documents every key; ``ConfigSchema/keys`` is the same table in code.
public struct WorkflowConfig: Sendable, Hashable {
    public struct Tracker: Sendable, Hashable {
        public var kind: String
        public var activeStates: [String]
        public var terminalStates: [String]
        /// Normalized (trimmed, lowercased), blanks dropped.
        public var requiredLabels: [String]
        /// Adapter-owned settings, `$VAR` references resolved.
        public var provider: [String: ConfigValue]
        /// Provider keys whose value came from an environment variable, with the variable name.
        /// Their values are secrets: never printed, never passed to agents.
        public var providerEnvironmentNames: [String: String]
        public var claimState: String?
        public var reviewState: String?
        public var doneState: String?
    }

    public struct Hooks: Sendable, Hashable {
        public var afterCreate: String?
        public var beforeRun: String?
        public var afterRun: String?
        public var beforeRemove: String?
        public var timeoutMs: Int

        public init(afterCreate: String?, beforeRun: String?, afterRun: String?, beforeRemove: String?, timeoutMs: Int) {
            self.afterCreate = afterCreate
            self.beforeRun = beforeRun
            self.afterRun = afterRun
            self.beforeRemove = beforeRemove
            self.timeoutMs = timeoutMs
        }
    }

    public struct Agent: Sendable, Hashable {
        public var maxConcurrentAgents: Int
        public var maxTurns: Int
        public var maxRetryBackoffMs: Int
        public var maxAutomaticRetries: Int
        public var continuationDelayMs: Int
        /// Keys normalized (trimmed, lowercased).
        public var maxConcurrentAgentsByState: [String: Int]
        /// Per-issue budget across its runs (0: no limit); spent, the issue is blocked.
        public var maxRunsPerIssue: Int
        public var maxTurnsPerIssue: Int
        public var maxTokensPerIssue: Int
    }

    public struct Codex: Sendable, Hashable {
        /// A shell string, run with `bash -lc` in the workspace.
        public var command: String
        /// `untrusted`, `on-request`, `never`, or a `{granular: {...}}` map, passed through.
        public var approvalPolicy: ConfigValue
        /// `read-only`, `workspace-write` or `danger-full-access`.
        public var threadSandbox: String
        /// A Codex `SandboxPolicy` map; `nil` means workspace-write limited to the workspace.
        public var turnSandboxPolicy: ConfigValue?
        /// The longest silence allowed during a turn.
        public var turnTimeoutMs: Int
        public var readTimeoutMs: Int
        /// `<= 0` disables stall detection.
        public var stallTimeoutMs: Int
    }

    /// An agent phase after implementation.
    public struct PhaseSettings: Sendable, Hashable {
        public var enabled: Bool
        /// The Liquid prompt; `nil` for a human review.
        public var prompt: String?
    }

    public var tracker: Tracker
    public var pollingIntervalMs: Int
    /// Absolute.
    public var workspaceRoot: String
    public var hooks: Hooks
    public var agent: Agent
    public var codex: Codex
    public var serverPort: Int
    /// The HTTP listener's address; loopback unless set.
    public var serverHost: String
    /// The bearer token HTTP requests must carry (from `server.auth_token: $VAR`); a secret.
    public var serverAuthToken: String?
    /// The variable `server.auth_token` named; stripped from agent and hook environments.
    public var serverAuthTokenVariable: String?
    public var review: PhaseSettings
    public var done: PhaseSettings
}

extension WorkflowConfig {
    /// The tracker kinds this build supports.
    public static let supportedTrackerKinds = ["kanban", "linear"]

    /// The kanban board's default columns, in board order.
    public static let kanbanColumns = ["backlog", "todo", "in_progress", "human_review", "done", "cancelled"]

    /// How the review phase runs under this config.
    public var reviewMode: MachinePolicy.ReviewMode {
        guard review.enabled else { return .off }
        return review.prompt == nil ? .human : .agent
    }
}

extension WorkflowConfig {
    /// The parts of the config that shape the lifecycle machine.
    public var machinePolicy: MachinePolicy {
        MachinePolicy(
            review: reviewMode,
            donePhase: done.enabled,
            trackerStates: .init(
                active: tracker.activeStates, terminal: tracker.terminalStates, claimed: tracker.claimState,
                review: tracker.reviewState, done: tracker.doneState),
            maxConcurrentAgents: agent.maxConcurrentAgents,
            maxConcurrentAgentsByState: agent.maxConcurrentAgentsByState,
            continuationDelayMs: agent.continuationDelayMs,
            retryBaseDelayMs: 10_000,
            maxRetryBackoffMs: agent.maxRetryBackoffMs,
            maxAutomaticRetries: agent.maxAutomaticRetries,
            budget: IssueBudget(maxRuns: agent.maxRunsPerIssue, maxTurns: agent.maxTurnsPerIssue, maxTokens: agent.maxTokensPerIssue))
    }
}
