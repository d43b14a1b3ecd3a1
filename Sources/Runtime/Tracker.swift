public import Foundation

/// An issue as a tracker reports it, normalized (Symphony §4.1.1 and §11.3).
public struct TrackerIssue: Sendable, Hashable, Codable {
    public struct Blocker: Sendable, Hashable, Codable {
        public var id: String?
        public var identifier: String?
        public var state: String?

        public init(id: String?, identifier: String?, state: String?) {
            self.id = id
            self.identifier = identifier
            self.state = state
        }
    }

    /// Stable, opaque dispatch identity.
    public var id: String
    public var identifier: String
    public var title: String
    public var description: String?
    public var priority: Int?
    /// The provider's spelling.
    public var state: String
    /// Lowercased, no blanks, no duplicates.
    public var labels: [String]
    public var blockedBy: [Blocker]
    public var assigneeId: String?
    public var url: String?
    public var branchName: String?
    /// The adapter's verdict on its own rules (for kanban: no unfinished blocker).
    public var dispatchable: Bool
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        id: String, identifier: String, title: String, description: String?, priority: Int?, state: String,
        labels: [String], blockedBy: [Blocker], assigneeId: String?, url: String?, branchName: String?,
        dispatchable: Bool, createdAt: Date?, updatedAt: Date?
    ) {
        self.id = id
        self.identifier = identifier
        self.title = title
        self.description = description
        self.priority = priority
        self.state = state
        self.labels = labels
        self.blockedBy = blockedBy
        self.assigneeId = assigneeId
        self.url = url
        self.branchName = branchName
        self.dispatchable = dispatchable
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What the runtime needs from a tracker (Symphony §11), plus maestro's write-back.
public protocol Tracker: Sendable {
    /// The `tracker.kind` this adapter serves.
    var kind: String { get }
    /// Environment variable names that hold this tracker's secrets; stripped from agent processes.
    var secretEnvironmentNames: [String] { get }
    /// Issues in any of `states` (compared trimmed, lowercased); `[]` returns `[]` without a request.
    func fetchIssues(inStates states: [String]) async throws -> [TrackerIssue]
    /// Current snapshots of `ids`; ids the tracker no longer shows are omitted.
    func fetchIssues(ids: [String]) async throws -> [TrackerIssue]
    /// Moves an issue to a tracker state (claim and hand-off write-back). With `expected`, only an
    /// issue still in that state moves, so a write-back never overrides a change made meanwhile.
    func writeState(_ state: String, issueId: String, ifCurrently expected: String?) async throws
    /// Adds a comment.
    func addComment(_ body: String, issueId: String, author: String) async throws
}
