public import Foundation
public import GRDB
public import StateMachine

/// An issue's workspace directory.
public struct WorkspaceRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "workspace"
    public var issueId: Int64
    public var key: String
    public var path: String
    public var createdAt: Date
    public var lastUsedAt: Date
    public var removedAt: Date?

    public init(issueId: Int64, key: String, path: String, at date: Date) {
        self.issueId = issueId
        self.key = key
        self.path = path
        self.createdAt = date
        self.lastUsedAt = date
    }
}

/// One agent run (a Codex app-server process and its thread) for an issue.
public struct SessionRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "session"
    public var id: Int64?
    public var issueId: Int64
    public var phase: Phase
    public var threadId: String?
    public var turnCount: Int
    public var pid: Int32?
    /// Process start time in clock ticks since boot (`/proc/<pid>/stat` field 22), to tell a live
    /// process from a reused pid.
    public var processStartTime: Int64?
    public var inputTokens: Int
    public var outputTokens: Int
    public var totalTokens: Int
    public var lastEvent: String?
    public var lastEventAt: Date?
    public var lastMessage: String?
    public var startedAt: Date
    public var endedAt: Date?
    public var outcome: String?

    public init(issueId: Int64, phase: Phase, at date: Date) {
        self.issueId = issueId
        self.phase = phase
        self.turnCount = 0
        self.inputTokens = 0
        self.outputTokens = 0
        self.totalTokens = 0
        self.startedAt = date
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Sessions still marked live (no end time).
    public static let live = SessionRecord.filter(Column("endedAt") == nil)
}

/// An operator command (retry, cancel, pause, resume, answer) waiting for the daemon.
public struct OperatorCommandRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "operatorCommand"
    public enum Status: String, Codable, Sendable { case pending, applied, rejected }
    public var id: Int64?
    public var issueId: Int64
    public var command: LifecycleEvent
    public var payload: String
    public var status: Status
    public var result: String?
    public var createdAt: Date
    public var handledAt: Date?

    public init(issueId: Int64, command: LifecycleEvent, payload: String = "{}", at date: Date) {
        self.issueId = issueId
        self.command = command
        self.payload = payload
        self.status = .pending
        self.createdAt = date
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public static let pending = OperatorCommandRecord.filter(Column("status") == Status.pending.rawValue).order(Column("id"))
}

/// Agent and hook output kept for the dashboard; retention is bounded by ``RuntimeEventRecord/retained``.
public struct RuntimeEventRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runtimeEvent"
    /// How many events the store keeps; older ones are pruned on insert.
    public static let retained: Int64 = 20_000
    public var id: Int64?
    public var issueId: Int64?
    public var sessionId: Int64?
    public var kind: String
    public var message: String
    public var at: Date

    public init(issueId: Int64?, sessionId: Int64?, kind: String, message: String, at date: Date) {
        self.issueId = issueId
        self.sessionId = sessionId
        self.kind = kind
        self.message = message
        self.at = date
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Inserts and prunes beyond the retention bound, in the caller's transaction.
    public mutating func append(_ db: Database) throws {
        try insert(db)
        if let id, id > Self.retained {
            try RuntimeEventRecord.filter(Column("id") <= id - Self.retained).deleteAll(db)
        }
    }
}

/// How far a log subscriber has handled the transition log.
public struct AdapterCursorRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "adapterCursor"
    public var name: String
    public var seq: Int64
    public var updatedAt: Date

    public init(name: String, seq: Int64, at date: Date) {
        self.name = name
        self.seq = seq
        self.updatedAt = date
    }
}
