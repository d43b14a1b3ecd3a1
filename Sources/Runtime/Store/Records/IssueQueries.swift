package import Foundation
package import GRDB
package import StateMachine

extension IssueRecord {
    /// Issues in one lifecycle state, in dispatch order.
    package static func inLifecycle(_ state: LifecycleState, _ db: Database) throws -> [IssueRecord] {
        // The same order as ``dispatchOrder``, computed by SQLite.
        try IssueRecord.filter(Column("lifecycleState") == state.rawValue)
            .order(SQL("COALESCE(priority, 9223372036854775807)"), Column("createdAt"), Column("identifier")).fetchAll(db)
    }

    /// Issues in a waiting state, through its partial index (migration v3): the query repeats the
    /// index's term word for word, so the planner picks the index whatever the statement cache holds.
    package static func waiting(_ state: WaitingState) -> QueryInterfaceRequest<IssueRecord> {
        IssueRecord.filter(sql: "lifecycleState = '\(state.rawValue)'")
    }

    /// The lifecycle states with a partial index.
    package enum WaitingState: String, Sendable {
        case retrying, blocked
    }

    /// Retrying issues whose due time has passed.
    package static func due(at date: Date, _ db: Database) throws -> [IssueRecord] {
        try waiting(.retrying).filter(Column("dueAt") <= date).fetchAll(db)
    }

    /// The earliest due time among retrying issues.
    package static func nextDue(_ db: Database) throws -> Date? {
        try waiting(.retrying).select(min(Column("dueAt")), as: Date.self).fetchOne(db)
    }

    /// Issues holding a slot by their lifecycle state (preparing, in an agent phase, or blocked with
    /// a live run): id → normalized tracker state.
    package static func claimed(agentReview: Bool, _ db: Database) throws -> [Int64: String] {
        let states: [LifecycleState] = agentReview ? [.workspace, .running, .review, .done] : [.workspace, .running, .done]
        return Dictionary(
            try withPossibleRun(in: states).fetchAll(db).map { ($0.id ?? 0, normalizedTrackerState($0.trackerState)) },
            uniquingKeysWith: { first, _ in first })
    }

    /// Issues in a state that may hold a live run (a dead daemon's, or one still exiting), of
    /// `ids` when given.
    package static func possiblyLive(among ids: [Int64]? = nil, _ db: Database) throws -> [IssueRecord] {
        let request = withPossibleRun(in: [.workspace, .running, .review, .done])
        return try (ids.map { request.filter(keys: $0) } ?? request).fetchAll(db)
    }

    /// Issues in `states`, or blocked on input (whose run stays live while it waits).
    private static func withPossibleRun(in states: [LifecycleState]) -> QueryInterfaceRequest<IssueRecord> {
        IssueRecord.filter(
            states.map(\.rawValue).contains(Column("lifecycleState"))
                || (Column("lifecycleState") == LifecycleState.blocked.rawValue
                    && Column("blockReason") == BlockReason.inputRequired.rawValue)
        )
    }
}

extension SessionRecord {
    /// The latest session of an issue in a phase that has a thread, for resuming it.
    package static func latestThread(issueId: Int64, phase: Phase, _ db: Database) throws -> SessionRecord? {
        try SessionRecord.filter(Column("issueId") == issueId && Column("phase") == phase.rawValue && Column("threadId") != nil)
            .order(Column("id").desc).fetchOne(db)
    }
}

extension OperatorCommandRecord {
    /// Marks the command handled, with its verdict as JSON.
    package mutating func resolve(_ status: Status, result: [String: String], at date: Date, _ db: Database) throws {
        self.status = status
        self.result = jsonObject(result)
        handledAt = date
        try update(db, columns: ["status", "result", "handledAt"])
    }
}
