package import Foundation
package import GRDB
package import StateMachine

/// An issue: tracker fields (the kanban board's own, or a remote tracker's synced copy) and the
/// lifecycle fields that only the transition entry point changes.
package struct IssueRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "issue"
    package var id: Int64?
    package var projectId: Int64
    package var identifier: String
    package var title: String
    package var description: String?
    /// 1 (urgent) ... 4 (low); nil for none.
    package var priority: Int?
    package var trackerState: String
    /// Lowercased, unique, no blanks.
    package var labels: [String]
    package var assignee: String?
    package var url: String?
    package var branchName: String?
    /// The tracker's own id: a kanban issue's identifier, a Linear issue's UUID.
    package var externalId: String?
    /// False once a remote tracker no longer shows the issue; such a row is kept, never deleted.
    package var visible: Bool
    /// Blockers that are not rows of this store (a Linear issue of another project), as the tracker
    /// reported them.
    package var externalBlockers: [ExternalBlocker]
    package var createdAt: Date
    package var updatedAt: Date
    // Lifecycle fields.
    package var lifecycleState: LifecycleState
    package var version: Int
    /// Automatic retries used in a row (the machine's failure count).
    package var attempt: Int
    package var phase: Phase
    package var blockReason: BlockReason?
    package var dueAt: Date?
    package var lastError: String?

    package init(
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
        self.externalId = identifier
        self.visible = true
        self.externalBlockers = []
        self.createdAt = date
        self.updatedAt = date
        self.lifecycleState = CompiledMachine.initialState
        self.version = 0
        self.attempt = 0
        self.phase = .implementation
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Trimmed, lowercased, blanks dropped, duplicates removed, order kept.
    package static func normalizedLabels(_ labels: [String]) -> [String] {
        var seen = Set<String>()
        return labels.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Finds an issue by identifier (case-insensitive).
    package static func find(_ identifier: String, in db: Database) throws -> IssueRecord? {
        try IssueRecord.filter(Column("identifier") == identifier.uppercased()).fetchOne(db)
    }

    /// The issues blocking this one.
    package func blockers(_ db: Database) throws -> [IssueRecord] {
        let ids = try IssueBlockerRecord.filter(Column("issueId") == id).fetchAll(db).map(\.blockerId)
        return try IssueRecord.filter(ids.contains(Column("id"))).order(Column("identifier")).fetchAll(db)
    }

    /// Dispatch order: priority 1..4 first (nil last), then oldest, then identifier.
    package static func dispatchOrder(_ lhs: IssueRecord, _ rhs: IssueRecord) -> Bool {
        let left = lhs.priority ?? Int.max
        let right = rhs.priority ?? Int.max
        if left != right { return left < right }
        if lhs.createdAt != rhs.createdAt { return lhs.createdAt < rhs.createdAt }
        return lhs.identifier < rhs.identifier
    }
}

/// A blocker the store has no row for.
package struct ExternalBlocker: Codable, Sendable, Hashable {
    package var id: String?
    package var identifier: String?
    /// The blocker's tracker state; `nil` when the tracker did not say.
    package var state: String?

    package init(id: String?, identifier: String?, state: String?) {
        self.id = id
        self.identifier = identifier
        self.state = state
    }
}

/// "`issueId` is blocked by `blockerId`".
package struct IssueBlockerRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "issueBlocker"
    package var issueId: Int64
    package var blockerId: Int64

    package init(issueId: Int64, blockerId: Int64) {
        self.issueId = issueId
        self.blockerId = blockerId
    }
}

/// A comment on a kanban issue, by a person or an agent.
package struct CommentRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "comment"
    package var id: Int64?
    package var issueId: Int64
    package var author: String
    package var body: String
    package var createdAt: Date

    package init(issueId: Int64, author: String, body: String, at date: Date) {
        self.issueId = issueId
        self.author = author
        self.body = body
        self.createdAt = date
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
