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
    /// When the remote tracker last changed the copy mirrored here, by the tracker's clock: a
    /// snapshot older than it was read before that change and is not mirrored (migration v4).
    package var trackerUpdatedAt: Date?
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

    /// Read column by column rather than through `Decodable`: issue rows are what the scheduler,
    /// the lists and the live state read most, and the keyed-container path cost about a fifth of
    /// a `GET /api/v1/state` (Specs/benchmarks.md). Writing still goes through `Encodable`.
    package init(row: Row) throws {
        func value<T: RawRepresentable>(_ type: T.Type, _ column: String) throws -> T where T.RawValue == String {
            let raw: String = row[column]
            guard let value = T(rawValue: raw) else { throw RowDecodingError.invalid(column: column, value: raw) }
            return value
        }
        id = row["id"]
        projectId = row["projectId"]
        identifier = row["identifier"]
        title = row["title"]
        description = row["description"]
        priority = row["priority"]
        trackerState = row["trackerState"]
        labels = try Self.jsonArray(String.self, row, "labels") ?? []
        assignee = row["assignee"]
        url = row["url"]
        branchName = row["branchName"]
        externalId = row["externalId"]
        visible = row["visible"]
        externalBlockers = try Self.jsonArray(ExternalBlocker.self, row, "externalBlockers") ?? []
        createdAt = row["createdAt"]
        updatedAt = row["updatedAt"]
        trackerUpdatedAt = row["trackerUpdatedAt"]
        lifecycleState = try value(LifecycleState.self, "lifecycleState")
        version = row["version"]
        attempt = row["attempt"]
        phase = try value(Phase.self, "phase")
        blockReason = try (row["blockReason"] as String?).map { raw in
            guard let reason = BlockReason(rawValue: raw) else { throw RowDecodingError.invalid(column: "blockReason", value: raw) }
            return reason
        }
        dueAt = row["dueAt"]
        lastError = row["lastError"]
    }

    /// A JSON array column as `Encodable` wrote it (text, or a blob from older writers); `[]`, the
    /// common case, needs no decoder.
    private static func jsonArray<Element: Decodable>(_ type: Element.Type, _ row: Row, _ column: String) throws -> [Element]? {
        let stored: DatabaseValue = row[column]
        let data: Data
        switch stored.storage {
        case .null: return nil
        case .string(let text):
            if text == "[]" { return [] }
            data = Data(text.utf8)
        case .blob(let blob): data = blob
        case .int64, .double: throw RowDecodingError.invalid(column: column, value: "\(stored)")
        }
        return try JSONDecoder().decode([Element].self, from: data)
    }

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

/// A column value no record type accepts.
package enum RowDecodingError: Error, CustomStringConvertible {
    case invalid(column: String, value: String)

    package var description: String {
        switch self {
        case .invalid(let column, let value): "the store holds '\(value)' in \(column), which this maestro does not know"
        }
    }
}
