public import Foundation
public import GRDB
public import StateMachine

/// An issue: tracker fields (the kanban board's own, or a remote tracker's synced copy) and the
/// lifecycle fields that only the transition entry point changes.
public struct IssueRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "issue"
    public var id: Int64?
    public var projectId: Int64
    public var identifier: String
    public var title: String
    public var description: String?
    /// 1 (urgent) ... 4 (low); nil for none.
    public var priority: Int?
    public var trackerState: String
    /// Lowercased, unique, no blanks.
    public var labels: [String]
    public var assignee: String?
    public var url: String?
    public var branchName: String?
    public var createdAt: Date
    public var updatedAt: Date
    // Lifecycle fields.
    public var lifecycleState: LifecycleState
    public var version: Int
    /// Automatic retries used in a row (the machine's failure count).
    public var attempt: Int
    public var phase: Phase
    public var blockReason: BlockReason?
    public var dueAt: Date?
    public var lastError: String?

    public init(
        projectId: Int64, identifier: String, title: String, description: String?, priority: Int?,
        trackerState: String, labels: [String], at date: Date
    ) {
        self.projectId = projectId
        self.identifier = identifier
        self.title = title
        self.description = description
        self.priority = priority
        self.trackerState = trackerState
        self.labels = IssueRecord.normalizedLabels(labels)
        self.createdAt = date
        self.updatedAt = date
        self.lifecycleState = CompiledMachine.initialState
        self.version = 0
        self.attempt = 0
        self.phase = .implementation
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Trimmed, lowercased, blanks dropped, duplicates removed, order kept.
    public static func normalizedLabels(_ labels: [String]) -> [String] {
        var seen = Set<String>()
        return labels.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Finds an issue by identifier (case-insensitive).
    public static func find(_ identifier: String, in db: Database) throws -> IssueRecord? {
        try IssueRecord.filter(Column("identifier") == identifier.uppercased()).fetchOne(db)
    }

    /// The issues blocking this one.
    public func blockers(_ db: Database) throws -> [IssueRecord] {
        let ids = try IssueBlockerRecord.filter(Column("issueId") == id).fetchAll(db).map(\.blockerId)
        return try IssueRecord.filter(ids.contains(Column("id"))).order(Column("identifier")).fetchAll(db)
    }

    /// Dispatch order: priority 1..4 first (nil last), then oldest, then identifier.
    public static func dispatchOrder(_ lhs: IssueRecord, _ rhs: IssueRecord) -> Bool {
        let left = lhs.priority ?? Int.max
        let right = rhs.priority ?? Int.max
        if left != right { return left < right }
        if lhs.createdAt != rhs.createdAt { return lhs.createdAt < rhs.createdAt }
        return lhs.identifier < rhs.identifier
    }
}

/// "`issueId` is blocked by `blockerId`".
public struct IssueBlockerRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "issueBlocker"
    public var issueId: Int64
    public var blockerId: Int64

    public init(issueId: Int64, blockerId: Int64) {
        self.issueId = issueId
        self.blockerId = blockerId
    }
}

/// A comment on a kanban issue, by a person or an agent.
public struct CommentRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "comment"
    public var id: Int64?
    public var issueId: Int64
    public var author: String
    public var body: String
    public var createdAt: Date

    public init(issueId: Int64, author: String, body: String, at date: Date) {
        self.issueId = issueId
        self.author = author
        self.body = body
        self.createdAt = date
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
