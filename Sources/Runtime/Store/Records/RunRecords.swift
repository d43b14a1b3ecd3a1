package import Foundation
package import GRDB
package import StateMachine

/// An issue's workspace directory.
package struct WorkspaceRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "workspace"
    package var issueId: Int64
    package var key: String
    package var path: String
    package var createdAt: Date
    package var lastUsedAt: Date
    package var removedAt: Date?

    package init(issueId: Int64, key: String, path: String, at date: Date) {
        self.issueId = issueId
        self.key = key
        self.path = path
        self.createdAt = date
        self.lastUsedAt = date
    }
}

/// One agent run (a Codex app-server process and its thread) for an issue.
package struct SessionRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "session"
    package var id: Int64?
    package var issueId: Int64
    package var phase: Phase
    package var threadId: String?
    package var turnCount: Int
    package var pid: Int32?
    /// Process start time in clock ticks since boot (`/proc/<pid>/stat` field 22), to tell a live
    /// process from a reused pid.
    package var processStartTime: Int64?
    package var inputTokens: Int
    package var outputTokens: Int
    package var totalTokens: Int
    package var lastEvent: String?
    package var lastEventAt: Date?
    package var lastMessage: String?
    package var startedAt: Date
    package var endedAt: Date?
    package var outcome: String?

    package init(issueId: Int64, phase: Phase, at date: Date) {
        self.issueId = issueId
        self.phase = phase
        self.turnCount = 0
        self.inputTokens = 0
        self.outputTokens = 0
        self.totalTokens = 0
        self.startedAt = date
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Sessions still marked live (no end time).
    package static let live = SessionRecord.filter(Column("endedAt") == nil)
}

/// An operator command (retry, cancel, pause, resume, answer) waiting for the daemon.
package struct OperatorCommandRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "operatorCommand"
    package enum Status: String, Codable, Sendable { case pending, applied, rejected }
    package var id: Int64?
    package var issueId: Int64
    package var command: LifecycleEvent
    package var payload: String
    package var status: Status
    package var result: String?
    package var createdAt: Date
    package var handledAt: Date?

    package init(issueId: Int64, command: LifecycleEvent, payload: String = "{}", at date: Date) {
        self.issueId = issueId
        self.command = command
        self.payload = payload
        self.status = .pending
        self.createdAt = date
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    package static let pending = OperatorCommandRecord.filter(Column("status") == Status.pending.rawValue).order(Column("id"))
}

/// Agent and hook output kept for the dashboard; retention is bounded by ``RuntimeEventRecord/retained``.
package struct RuntimeEventRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "runtimeEvent"
    /// How many events the store keeps; older ones are pruned on insert.
    package static let retained: Int64 = 20_000
    package var id: Int64?
    package var issueId: Int64?
    package var sessionId: Int64?
    package var kind: String
    package var message: String
    package var at: Date

    package init(issueId: Int64?, sessionId: Int64?, kind: String, message: String, at date: Date) {
        self.issueId = issueId
        self.sessionId = sessionId
        self.kind = kind
        self.message = message
        self.at = date
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Inserts and prunes beyond the retention bound, in the caller's transaction.
    package mutating func append(_ db: Database) throws {
        try insert(db)
        if let id, id > Self.retained {
            try RuntimeEventRecord.filter(Column("id") <= id - Self.retained).deleteAll(db)
        }
    }
}

/// How far a log subscriber has handled the transition log.
package struct AdapterCursorRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "adapterCursor"
    package var name: String
    package var seq: Int64
    package var updatedAt: Date

    package init(name: String, seq: Int64, at date: Date) {
        self.name = name
        self.seq = seq
        self.updatedAt = date
    }
}

extension OperatorCommandRecord {
    /// The decoded verdict (`{"seq": …}` when applied, `{"code": …, "message": …}` when rejected).
    private var resultObject: [String: String] {
        guard let result else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(result.utf8))) ?? [:]
    }

    /// The transition an applied command committed.
    package var transitionSeq: Int64? { resultObject["seq"].flatMap { Int64($0) } }

    /// Why a rejected command was refused.
    package var rejection: APIError? {
        let object = resultObject
        guard let code = object["code"] else { return nil }
        return APIError(code: code, message: object["message"] ?? code)
    }
}
