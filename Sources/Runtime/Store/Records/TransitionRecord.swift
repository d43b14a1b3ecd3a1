public import Foundation
public import GRDB
public import StateMachine

/// One row of the append-only transition log.
public struct TransitionRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "transition"
    /// Strictly increasing across the store.
    public var seq: Int64?
    public var issueId: Int64
    public var identifier: String
    /// The issue's version after this transition; (issueId, version) is unique.
    public var version: Int
    public var fromState: LifecycleState
    public var toState: LifecycleState
    public var event: LifecycleEvent
    /// The failure count after the transition.
    public var attempt: Int
    /// Guards, effects, due time, reason, and whatever the caller attached, as JSON.
    public var payload: String
    public var at: Date

    public init(
        issueId: Int64, identifier: String, version: Int, fromState: LifecycleState, toState: LifecycleState,
        event: LifecycleEvent, attempt: Int, payload: String, at date: Date
    ) {
        self.issueId = issueId
        self.identifier = identifier
        self.version = version
        self.fromState = fromState
        self.toState = toState
        self.event = event
        self.attempt = attempt
        self.payload = payload
        self.at = date
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    /// The rows after `seq`, in log order.
    public static func after(_ seq: Int64, limit: Int) -> QueryInterfaceRequest<TransitionRecord> {
        TransitionRecord.filter(Column("seq") > seq).order(Column("seq")).limit(limit)
    }

    /// An issue's history, oldest first.
    public static func history(of issueId: Int64) -> QueryInterfaceRequest<TransitionRecord> {
        TransitionRecord.filter(Column("issueId") == issueId).order(Column("seq"))
    }

    /// The decoded payload.
    public var payloadObject: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(payload.utf8))) ?? [:]
    }
}
