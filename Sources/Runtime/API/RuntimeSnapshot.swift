public import Foundation
public import StateMachine
public import WorkflowParser

/// The live daemon's state: what runs, what waits, what it cost. Symphony's `/api/v1/state` object
/// (§13.7) with its field names; maestro's additions are extra keys.
public struct RuntimeSnapshot: Codable, Sendable, Hashable {
    public struct Counts: Codable, Sendable, Hashable {
        public var running: Int
        public var retrying: Int
        public var blocked: Int
    }

    /// A live agent run.
    public struct Running: Codable, Sendable, Hashable {
        public var issueId: String
        public var issueIdentifier: String
        @Nullable public var issueUrl: String?
        /// The tracker state.
        public var state: String
        public var sessionId: String
        @Nullable public var threadId: String?
        public var turnCount: Int
        @Nullable public var lastEvent: String?
        @Nullable public var lastMessage: String?
        public var startedAt: Date
        @Nullable public var lastEventAt: Date?
        public var tokens: TokenView
        public var lifecycleState: LifecycleState
        public var phase: Phase
        /// Whether the run waits for an operator's answer.
        public var waitingOnOperator: Bool

        enum CodingKeys: String, CodingKey {
            case issueId = "issue_id"
            case issueIdentifier = "issue_identifier"
            case issueUrl = "issue_url"
            case state
            case sessionId = "session_id"
            case threadId = "thread_id"
            case turnCount = "turn_count"
            case lastEvent = "last_event"
            case lastMessage = "last_message"
            case startedAt = "started_at"
            case lastEventAt = "last_event_at"
            case tokens
            case lifecycleState = "lifecycle_state"
            case phase
            case waitingOnOperator = "waiting_on_operator"
        }
    }

    /// An issue waiting out a continuation delay or a retry backoff.
    public struct Retrying: Codable, Sendable, Hashable {
        public var issueId: String
        public var issueIdentifier: String
        @Nullable public var issueUrl: String?
        /// Failures in a row.
        public var attempt: Int
        @Nullable public var dueAt: Date?
        @Nullable public var error: String?
        public var phase: Phase

        enum CodingKeys: String, CodingKey {
            case issueId = "issue_id"
            case issueIdentifier = "issue_identifier"
            case issueUrl = "issue_url"
            case attempt
            case dueAt = "due_at"
            case error, phase
        }
    }

    /// An issue that needs an operator.
    public struct Blocked: Codable, Sendable, Hashable {
        public var issueId: String
        public var issueIdentifier: String
        @Nullable public var issueUrl: String?
        public var reason: BlockReason
        @Nullable public var error: String?
        /// The questions and approvals its run waits on.
        public var requests: [AgentRequestView]

        enum CodingKeys: String, CodingKey {
            case issueId = "issue_id"
            case issueIdentifier = "issue_identifier"
            case issueUrl = "issue_url"
            case reason, error, requests
        }
    }

    public struct CodexTotals: Codable, Sendable, Hashable {
        public var inputTokens: Int
        public var outputTokens: Int
        public var totalTokens: Int
        /// Ended runs' durations plus the live runs' elapsed time.
        public var secondsRunning: Double

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
            case totalTokens = "total_tokens"
            case secondsRunning = "seconds_running"
        }
    }

    public var generatedAt: Date
    public var counts: Counts
    public var running: [Running]
    public var retrying: [Retrying]
    public var blocked: [Blocked]
    public var codexTotals: CodexTotals
    /// The latest rate limits an agent reported; `null` until one did.
    @Nullable public var rateLimits: JSONValue?
    public var workflow: WorkflowStatus
    /// Remote trackers' mirrors (Linear projects): progress, last success, last error; `null` when
    /// no project is mirrored.
    @Nullable public var sync: TrackerSyncOverview? = nil

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at"
        case counts, running, retrying, blocked
        case codexTotals = "codex_totals"
        case rateLimits = "rate_limits"
        case workflow, sync
    }
}

/// The daemon's workflow: which file, which revision is in force, and whether the last edit failed.
public struct WorkflowStatus: Codable, Sendable, Hashable {
    public var path: String
    /// Bumped on every applied reload.
    public var revision: Int
    /// The diagnostics of the last rejected edit (the previous revision stays in force); empty when
    /// the file on disk is the one in force.
    public var lastReloadErrors: [WorkflowDiagnostic]
    /// A one-line summary of the compiled lifecycle.
    public var summary: String
    /// The validation warnings of the workflow in force (unknown keys, coerced values).
    public var warnings: [WorkflowDiagnostic]

    public init(path: String, revision: Int, lastReloadErrors: [WorkflowDiagnostic], summary: String, warnings: [WorkflowDiagnostic]) {
        self.path = path
        self.revision = revision
        self.lastReloadErrors = lastReloadErrors
        self.summary = summary
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case path, revision
        case lastReloadErrors = "last_reload_errors"
        case summary, warnings
    }
}

/// The daemon's live side, as the Runtime API sees it.
public protocol LiveRuntime: Sendable {
    /// The live state now.
    func snapshot() async throws -> RuntimeSnapshot
    /// Asks for a poll and reconciliation as soon as possible; requests made while one is pending
    /// coalesce. Returns whether this request joined a pending one.
    func requestRefresh() async -> Bool
    /// The rules in force.
    func rules() async -> LifecycleRules
}
