import Foundation
public import StateMachine

// The inputs of the Runtime API's commands. Their JSON form (HTTP bodies, MCP arguments) uses the
// same snake_case keys.

/// Fields of a new issue.
public struct NewIssue: Codable, Sendable, Hashable {
    public var title: String
    public var description: String?
    public var priority: Int?
    /// A tracker state of the project's tracker; the first active state when `nil`.
    public var state: String?
    public var labels: [String]
    /// Identifiers of the issues blocking this one.
    public var blockedBy: [String]

    public init(
        title: String, description: String? = nil, priority: Int? = nil, state: String? = nil, labels: [String] = [],
        blockedBy: [String] = []
    ) {
        self.title = title
        self.description = description
        self.priority = priority
        self.state = state
        self.labels = labels
        self.blockedBy = blockedBy
    }

    enum CodingKeys: String, CodingKey {
        case title, description, priority, state, labels
        case blockedBy = "blocked_by"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        priority = try container.decodeIfPresent(Int.self, forKey: .priority)
        state = try container.decodeIfPresent(String.self, forKey: .state)
        labels = try container.decodeIfPresent([String].self, forKey: .labels) ?? []
        blockedBy = try container.decodeIfPresent([String].self, forKey: .blockedBy) ?? []
    }
}

/// Edits to an issue; `nil` and empty lists leave a field alone.
public struct IssueChanges: Codable, Sendable, Hashable {
    public var title: String?
    public var description: String?
    public var priority: Int?
    public var clearPriority: Bool
    public var addLabels: [String]
    public var removeLabels: [String]
    public var addBlockers: [String]
    public var removeBlockers: [String]

    public init(
        title: String? = nil, description: String? = nil, priority: Int? = nil, clearPriority: Bool = false,
        addLabels: [String] = [], removeLabels: [String] = [], addBlockers: [String] = [], removeBlockers: [String] = []
    ) {
        self.title = title
        self.description = description
        self.priority = priority
        self.clearPriority = clearPriority
        self.addLabels = addLabels
        self.removeLabels = removeLabels
        self.addBlockers = addBlockers
        self.removeBlockers = removeBlockers
    }

    /// Whether the changes ask for anything at all.
    public var isEmpty: Bool {
        title == nil && description == nil && priority == nil && !clearPriority && addLabels.isEmpty && removeLabels.isEmpty
            && addBlockers.isEmpty && removeBlockers.isEmpty
    }

    enum CodingKeys: String, CodingKey {
        case title, description, priority
        case clearPriority = "clear_priority"
        case addLabels = "add_labels"
        case removeLabels = "remove_labels"
        case addBlockers = "add_blockers"
        case removeBlockers = "remove_blockers"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        priority = try container.decodeIfPresent(Int.self, forKey: .priority)
        clearPriority = try container.decodeIfPresent(Bool.self, forKey: .clearPriority) ?? false
        addLabels = try container.decodeIfPresent([String].self, forKey: .addLabels) ?? []
        removeLabels = try container.decodeIfPresent([String].self, forKey: .removeLabels) ?? []
        addBlockers = try container.decodeIfPresent([String].self, forKey: .addBlockers) ?? []
        removeBlockers = try container.decodeIfPresent([String].self, forKey: .removeBlockers) ?? []
    }
}

/// A new project.
public struct NewProject: Codable, Sendable, Hashable {
    public var name: String
    /// The identifier prefix for kanban issues; derived from the name when `nil`.
    public var key: String?
    public var description: String?
    /// `kanban` (the default) or another registered provider.
    public var provider: String
    /// The project's id or slug in its tracker (a Linear project).
    public var externalId: String?
    /// Non-secret provider options.
    public var settings: [String: String]

    public init(
        name: String, key: String? = nil, description: String? = nil, provider: String = "kanban", externalId: String? = nil,
        settings: [String: String] = [:]
    ) {
        self.name = name
        self.key = key
        self.description = description
        self.provider = provider
        self.externalId = externalId
        self.settings = settings
    }

    enum CodingKeys: String, CodingKey {
        case name, key, description, provider
        case externalId = "external_id"
        case settings
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        key = try container.decodeIfPresent(String.self, forKey: .key)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        provider = try container.decodeIfPresent(String.self, forKey: .provider) ?? "kanban"
        externalId = try container.decodeIfPresent(String.self, forKey: .externalId)
        settings = try container.decodeIfPresent([String: String].self, forKey: .settings) ?? [:]
    }
}

/// Edits to a project.
public struct ProjectChanges: Codable, Sendable, Hashable {
    public var name: String?
    public var description: String?

    public init(name: String? = nil, description: String? = nil) {
        self.name = name
        self.description = description
    }
}

/// Which issues a list returns, and from where.
public struct IssueQuery: Sendable, Hashable {
    public var project: String?
    /// A tracker state (compared trimmed and lowercased).
    public var state: String?
    public var lifecycle: LifecycleState?
    public var label: String?
    /// Text searched in identifiers and titles (case-insensitive).
    public var search: String?
    /// At most this many issues; `nil` for all.
    public var limit: Int?
    /// The `next_cursor` of the previous page (of a list in the same order).
    public var cursor: String?
    public var order: IssueOrder

    public init(
        project: String? = nil, state: String? = nil, lifecycle: LifecycleState? = nil, label: String? = nil,
        search: String? = nil, limit: Int? = nil, cursor: String? = nil, order: IssueOrder = .dispatch
    ) {
        self.project = project
        self.state = state
        self.lifecycle = lifecycle
        self.label = label
        self.search = search
        self.limit = limit
        self.cursor = cursor
        self.order = order
    }
}

/// The order of an issue list.
public enum IssueOrder: String, Codable, Sendable, Hashable, CaseIterable {
    /// The order the daemon dispatches in: priority 1…4 (none last), oldest first, identifier.
    case dispatch
    /// Newest first.
    case created
    /// Most recently updated first.
    case updated
    /// By project key, then issue number (`MAE-2` before `MAE-10`).
    case identifier
}

/// An operator command for the daemon.
public enum OperatorCommand: String, Codable, Sendable, Hashable, CaseIterable {
    case retry, cancel, pause, resume, answer

    /// The lifecycle event the command becomes.
    public var event: LifecycleEvent {
        switch self {
        case .retry: .retryNow
        case .cancel: .cancel
        case .pause: .pause
        case .resume: .resume
        case .answer: .operatorAnswered
        }
    }
}

extension OperatorCommand {
    /// The operator's word for a lifecycle event (`operator_answered` → `answer`); other events
    /// keep their names.
    public static func naming(_ event: LifecycleEvent) -> String {
        allCases.first { $0.event == event }?.rawValue ?? event.rawValue
    }

    /// A machine message with the event named as the operator named the command:
    /// `'operator_answered' does not apply …` → `'answer' does not apply …`.
    public static func inOperatorWords(_ message: String, event: LifecycleEvent) -> String {
        message.replacingOccurrences(of: "'\(event.rawValue)'", with: "'\(naming(event))'")
    }
}

/// How the daemon handled an operator command.
public struct CommandVerdict: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable {
        /// The transition committed.
        case applied
        /// The lifecycle refused it; `error` says why.
        case rejected
        /// No daemon has handled it yet.
        case pending
    }

    public var id: Int64
    public var command: OperatorCommand
    public var issue: String
    public var status: Status
    /// The committed transition, when applied.
    @Nullable public var transition: TransitionView?
    /// The rejection, when rejected.
    @Nullable public var error: APIError?
    /// Whether a live daemon runs on the database.
    public var daemon: Bool

    enum CodingKeys: String, CodingKey {
        case id, command, issue, status, transition, error, daemon
    }
}
