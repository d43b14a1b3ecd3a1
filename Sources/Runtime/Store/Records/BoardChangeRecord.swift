package import Foundation
package import GRDB

/// One row of the board change log: a create, edit, move, comment or delete of a project or issue.
package struct BoardChangeRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "boardChange"
    /// Drawn from the sequence the transition log shares (``LogSequence``).
    package var seq: Int64?
    package var kind: BoardChangeKind
    package var projectId: Int64?
    package var issueId: Int64?
    /// The project's key when the change was written (kept after a delete).
    package var project: String?
    package var identifier: String?
    /// What changed, as JSON: the fields an edit touched, the states of a move, a comment's id.
    package var payload: String
    /// Whether the writer applied the lifecycle consequences in the same transaction.
    package var reconciled: Bool
    package var at: Date

    package init(
        kind: BoardChangeKind, projectId: Int64?, issueId: Int64?, project: String?, identifier: String?, payload: String,
        reconciled: Bool, at date: Date
    ) {
        self.kind = kind
        self.projectId = projectId
        self.issueId = issueId
        self.project = project
        self.identifier = identifier
        self.payload = payload
        self.reconciled = reconciled
        self.at = date
    }

    /// Appends the row with the next number of the shared sequence.
    package mutating func append(_ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO boardChange (seq, kind, projectId, issueId, project, identifier, payload, reconciled, at)
                VALUES (\(LogSequence.next), ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            kind.rawValue, projectId, issueId, project, identifier, payload, reconciled, databaseDateString(at),
        ])
        seq = db.lastInsertedRowID
    }

    /// The rows after `seq`, in log order.
    package static func after(_ seq: Int64, limit: Int) -> QueryInterfaceRequest<BoardChangeRecord> {
        BoardChangeRecord.filter(Column("seq") > seq).order(Column("seq")).limit(limit)
    }
}

/// What a board change did.
public enum BoardChangeKind: String, Codable, Sendable, Hashable, CaseIterable {
    case projectCreated = "project_created"
    case projectUpdated = "project_updated"
    case projectDeleted = "project_deleted"
    case issueCreated = "issue_created"
    case issueUpdated = "issue_updated"
    case issueMoved = "issue_moved"
    case issueDeleted = "issue_deleted"
    /// A remote tracker stopped showing the issue.
    case issueHidden = "issue_hidden"
    case commentAdded = "comment_added"
}

/// The sequence the transition log and the board change log share, so that one number orders
/// both. Rows of either log are never deleted, so the largest `seq` of the two tables is the last
/// number handed out. Both lookups read the rightmost leaf of a rowid b-tree, and writers are
/// serialised, so numbers are unique and commit order is seq order.
package enum LogSequence {
    static let next = """
        (SELECT MAX(COALESCE((SELECT MAX(seq) FROM "transition"), 0), COALESCE((SELECT MAX(seq) FROM boardChange), 0)) + 1)
        """
}

/// A question or approval an agent waits on, until an operator answers or the run ends.
package struct AgentRequestRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "agentRequest"
    package var id: Int64?
    package var issueId: Int64
    package var sessionId: Int64?
    /// The agent protocol's request id, as text.
    package var requestId: String
    /// `question`, `approval` or `elicitation`.
    package var kind: String
    package var summary: String
    /// The questions with their options, or the approval's command and reason, as JSON.
    package var detail: String
    package var createdAt: Date
    package var resolvedAt: Date?
    package var resolution: String?

    package init(
        issueId: Int64, sessionId: Int64?, requestId: String, kind: String, summary: String, detail: String, at date: Date
    ) {
        self.issueId = issueId
        self.sessionId = sessionId
        self.requestId = requestId
        self.kind = kind
        self.summary = summary
        self.detail = detail
        self.createdAt = date
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Requests still waiting, oldest first.
    package static func open(issueId: Int64? = nil) -> QueryInterfaceRequest<AgentRequestRecord> {
        var request = AgentRequestRecord.filter(Column("resolvedAt") == nil)
        if let issueId { request = request.filter(Column("issueId") == issueId) }
        return request.order(Column("id"))
    }
}
