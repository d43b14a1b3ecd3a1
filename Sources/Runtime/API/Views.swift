public import Foundation
public import StateMachine

// The read models every surface prints. Each spells its snake_case keys; optional values encode as
// `null`. Documented in Specs/api.md.

/// An issue's place in the lifecycle.
public struct LifecycleView: Codable, Sendable, Hashable {
    public var state: LifecycleState
    public var version: Int
    /// Failures in a row (the machine's retry count).
    public var attempt: Int
    public var phase: Phase
    @Nullable public var blockReason: BlockReason?
    @Nullable public var dueAt: Date?
    @Nullable public var lastError: String?

    enum CodingKeys: String, CodingKey {
        case state, version, attempt, phase
        case blockReason = "block_reason"
        case dueAt = "due_at"
        case lastError = "last_error"
    }
}

/// One issue blocking another.
public struct BlockerView: Codable, Sendable, Hashable {
    /// The blocker's tracker id.
    @Nullable public var id: String?
    @Nullable public var identifier: String?
    /// Its tracker state, when known.
    @Nullable public var state: String?

    public init(id: String?, identifier: String?, state: String?) {
        self.id = id
        self.identifier = identifier
        self.state = state
    }
}

/// An issue: its tracker facts and its lifecycle.
public struct IssueView: Codable, Sendable, Hashable {
    /// The tracker's id (a kanban issue's identifier, a Linear issue's id).
    public var id: String
    public var identifier: String
    /// The project's key.
    public var project: String
    /// The tracker that owns the issue: `kanban`, `linear`.
    public var provider: String
    public var title: String
    @Nullable public var description: String?
    /// 1 (urgent) … 4 (low); `null` for none.
    @Nullable public var priority: Int?
    /// The tracker state, as the tracker spells it.
    public var state: String
    public var labels: [String]
    public var blockedBy: [BlockerView]
    @Nullable public var assignee: String?
    @Nullable public var url: String?
    @Nullable public var branchName: String?
    /// False when a remote tracker no longer shows the issue.
    public var visible: Bool
    public var lifecycle: LifecycleView
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, identifier, project, provider, title, description, priority, state, labels
        case blockedBy = "blocked_by"
        case assignee, url
        case branchName = "branch_name"
        case visible, lifecycle
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A project.
public struct ProjectView: Codable, Sendable, Hashable {
    public var key: String
    public var name: String
    @Nullable public var description: String?
    public var provider: String
    /// The project's id in its tracker; `null` for kanban.
    @Nullable public var externalId: String?
    /// Non-secret provider options.
    public var settings: [String: String]
    public var issueCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case key, name, description, provider
        case externalId = "external_id"
        case settings
        case issueCount = "issue_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

public struct CommentView: Codable, Sendable, Hashable {
    public var id: Int64
    public var issue: String
    public var author: String
    public var body: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, issue, author, body
        case createdAt = "created_at"
    }
}

/// One row of the transition log.
public struct TransitionView: Codable, Sendable, Hashable {
    public var seq: Int64
    /// The issue's identifier (kept after the issue is deleted).
    public var issue: String
    public var version: Int
    public var from: LifecycleState
    public var to: LifecycleState
    public var event: LifecycleEvent
    /// The failure count after the transition.
    public var attempt: Int
    /// The guard tokens that held (`tracker:moved_to_review`, `slot_available`, …).
    public var guards: [String]
    /// The effects the transition asked for (`start_run:implementation`, …).
    public var effects: [String]
    /// Everything else the writer recorded: the tracker standing, the operator's answer, the error.
    public var details: [String: String]
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case seq, issue, version, from, to, event, attempt, guards, effects, details, at
    }
}

/// One row of the board change log.
public struct BoardChangeView: Codable, Sendable, Hashable {
    public var seq: Int64
    public var kind: BoardChangeKind
    @Nullable public var project: String?
    @Nullable public var issue: String?
    /// What changed: the fields an edit touched, a move's states, a comment's id.
    public var details: [String: String]
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case seq, kind, project, issue, details, at
    }
}

/// Either log's row, for readers that follow both in seq order.
public enum LogEntry: Sendable, Hashable {
    case transition(TransitionView)
    case change(BoardChangeView)

    public var seq: Int64 {
        switch self {
        case .transition(let view): view.seq
        case .change(let view): view.seq
        }
    }
}

/// Token totals in Symphony's spelling.
public struct TokenView: Codable, Sendable, Hashable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var totalTokens: Int

    public init(inputTokens: Int = 0, outputTokens: Int = 0, totalTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.totalTokens = totalTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case totalTokens = "total_tokens"
    }
}

/// One agent run.
public struct SessionView: Codable, Sendable, Hashable {
    public var id: Int64
    public var issue: String
    public var phase: Phase
    @Nullable public var threadId: String?
    public var turnCount: Int
    @Nullable public var pid: Int32?
    /// The thread's absolute totals at the end of (or so far in) this run.
    public var tokens: TokenView
    @Nullable public var lastEvent: String?
    @Nullable public var lastEventAt: Date?
    @Nullable public var lastMessage: String?
    public var startedAt: Date
    @Nullable public var endedAt: Date?
    @Nullable public var outcome: String?
    /// Whether the run is live now.
    public var live: Bool

    enum CodingKeys: String, CodingKey {
        case id, issue, phase
        case threadId = "thread_id"
        case turnCount = "turn_count"
        case pid, tokens
        case lastEvent = "last_event"
        case lastEventAt = "last_event_at"
        case lastMessage = "last_message"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case outcome, live
    }
}

/// A question or approval an agent waits on.
public struct AgentRequestView: Codable, Sendable, Hashable {
    /// The id to answer (`maestro issue answer ID TEXT --request <id>`).
    public var id: String
    public var issue: String
    @Nullable public var sessionId: Int64?
    /// `question`, `approval` or `elicitation`.
    public var kind: String
    /// The question or the approval request, in one line.
    public var summary: String
    /// The questions with their options, or the command and reason of an approval.
    public var detail: AgentRequestDetail
    /// The answers this request accepts; empty when any text is an answer.
    public var accepts: [String]
    public var createdAt: Date
    @Nullable public var resolvedAt: Date?
    @Nullable public var resolution: String?

    enum CodingKeys: String, CodingKey {
        case id, issue
        case sessionId = "session_id"
        case kind, summary, detail, accepts
        case createdAt = "created_at"
        case resolvedAt = "resolved_at"
        case resolution
    }
}

/// What an agent asks, in enough detail for a person to answer.
public struct AgentRequestDetail: Codable, Sendable, Hashable {
    public struct Question: Codable, Sendable, Hashable {
        public var id: String
        @Nullable public var header: String?
        public var question: String
        /// Offered answers.
        public var options: [String]
        /// Whether text other than the options is accepted.
        public var allowsOther: Bool

        public init(id: String, header: String?, question: String, options: [String], allowsOther: Bool) {
            self.id = id
            self.header = header
            self.question = question
            self.options = options
            self.allowsOther = allowsOther
        }

        enum CodingKeys: String, CodingKey {
            case id, header, question, options
            case allowsOther = "allows_other"
        }
    }

    public var questions: [Question]
    /// An approval's command line, or the file change it asks to make.
    @Nullable public var command: String?
    @Nullable public var reason: String?

    public init(questions: [Question] = [], command: String? = nil, reason: String? = nil) {
        self.questions = questions
        self.command = command
        self.reason = reason
    }
}

/// Agent and hook output kept with an issue.
public struct RuntimeEventView: Codable, Sendable, Hashable {
    public var id: Int64
    @Nullable public var sessionId: Int64?
    /// `hook.before_run`, `agent.input_required`, `agent.diagnostic`, …
    public var kind: String
    public var message: String
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case id
        case sessionId = "session_id"
        case kind, message, at
    }
}

public struct WorkspaceView: Codable, Sendable, Hashable {
    public var path: String
    public var createdAt: Date
    public var lastUsedAt: Date
    @Nullable public var removedAt: Date?

    enum CodingKeys: String, CodingKey {
        case path
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case removedAt = "removed_at"
    }
}

/// Everything about one issue: the board's facts, its story in the log, its runs.
public struct IssueDetailView: Codable, Sendable, Hashable {
    public var issue: IssueView
    public var comments: [CommentView]
    public var transitions: [TransitionView]
    public var sessions: [SessionView]
    /// Questions and approvals still waiting for an answer.
    public var pendingRequests: [AgentRequestView]
    /// The newest agent and hook events, oldest first.
    public var recentEvents: [RuntimeEventView]
    @Nullable public var workspace: WorkspaceView?
    /// Tokens over every run of the issue (each thread counted once).
    public var tokens: TokenView
    /// Operator commands the lifecycle accepts now: `retry`, `cancel`, `pause`, `resume`, `answer`.
    public var allowedCommands: [String]

    enum CodingKeys: String, CodingKey {
        case issue, comments, transitions, sessions
        case pendingRequests = "pending_requests"
        case recentEvents = "recent_events"
        case workspace, tokens
        case allowedCommands = "allowed_commands"
    }
}

/// A page of a list and where the next one starts.
public struct Page<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var items: [Item]
    /// Pass as `cursor` for the next page; `null` on the last page.
    @Nullable public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }
}

/// Counts of the whole board.
public struct BoardOverview: Codable, Sendable, Hashable {
    public var issues: Int
    /// Issues per tracker state, by the tracker's spelling.
    public var byTrackerState: [String: Int]
    /// Issues per lifecycle state; every state of the lifecycle is present.
    public var byLifecycleState: [String: Int]
    public var projects: [ProjectView]

    enum CodingKeys: String, CodingKey {
        case issues
        case byTrackerState = "by_tracker_state"
        case byLifecycleState = "by_lifecycle_state"
        case projects
    }
}
