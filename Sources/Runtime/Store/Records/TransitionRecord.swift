package import Foundation
package import GRDB
package import StateMachine

/// One row of the append-only transition log.
package struct TransitionRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "transition"
    /// Strictly increasing across the store.
    package var seq: Int64?
    package var issueId: Int64
    package var identifier: String
    /// The issue's version after this transition; (issueId, version) is unique.
    package var version: Int
    package var fromState: LifecycleState
    package var toState: LifecycleState
    package var event: LifecycleEvent
    /// The failure count after the transition.
    package var attempt: Int
    /// Guards, effects, due time, reason, and whatever the caller attached, as JSON.
    package var payload: String
    package var at: Date

    package init(
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

    package mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    /// The rows after `seq`, in log order.
    package static func after(_ seq: Int64, limit: Int) -> QueryInterfaceRequest<TransitionRecord> {
        TransitionRecord.filter(Column("seq") > seq).order(Column("seq")).limit(limit)
    }

    /// An issue's history, oldest first.
    package static func history(of issueId: Int64) -> QueryInterfaceRequest<TransitionRecord> {
        TransitionRecord.filter(Column("issueId") == issueId).order(Column("seq"))
    }

    /// The decoded payload.
    package var payloadObject: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(payload.utf8))) ?? [:]
    }
}
