package import Foundation
package import GRDB
package import StateMachine

/// Facts about the world the caller knows and the store does not: the tracker standing and slots.
package struct TransitionFacts: Sendable, Hashable {
    package var standing: TrackerStanding
    package var slotAvailable: Bool
    /// The issue's budget usage, for the events that may start a run.
    package var usage: BudgetUsage

    package init(standing: TrackerStanding = .fitsPhase, slotAvailable: Bool = true, usage: BudgetUsage = .zero) {
        self.standing = standing
        self.slotAvailable = slotAvailable
        self.usage = usage
    }
}

/// An issue's lifecycle fields, as the entry point reads and writes them.
package struct IssueLifecycle: Sendable, Hashable {
    package var identifier: String
    package var state: LifecycleState
    package var version: Int
    /// Failures in a row.
    package var attempt: Int
    package var phase: Phase
    package var blockReason: BlockReason?
    package var dueAt: Date?
    package var lastError: String?
}

/// A transition that is in the log.
package struct CommittedTransition: Sendable, Hashable {
    package var record: TransitionRecord
    package var transition: Transition
    /// The issue's lifecycle after the transition.
    package var lifecycle: IssueLifecycle
}

/// What happened to an applied event.
package enum TransitionOutcome: Sendable, Hashable {
    case committed(CommittedTransition)
    /// The machine rejected the event; nothing changed.
    case rejected(Rejection)
    /// The issue was not at the expected version (another writer got there first); nothing changed.
    case conflict(expected: Int, actual: Int)

    package var committed: CommittedTransition? {
        if case .committed(let committed) = self { return committed }
        return nil
    }
}

/// The one place where lifecycle state changes.
package enum TransitionStore {
    /// Applies `event` to an issue in one IMMEDIATE transaction: runs the machine, compare-and-sets
    /// (lifecycle state, version), updates the issue and appends to the log.
    /// - Parameter expectedVersion: when given, a different current version is a conflict.
    /// - Throws: ``StoreError/issueNotFound(_:)`` or a database error (nothing changed).
    package static func apply(
        _ event: LifecycleEvent, to issueId: Int64, in store: Store, machine: CompiledMachine,
        facts: TransitionFacts = TransitionFacts(), expectedVersion: Int? = nil, payload: [String: String] = [:],
        error: String? = nil, now: Date = Date()
    ) async throws -> TransitionOutcome {
        try await store.write { db in
            try apply(
                event, to: issueId, in: db, machine: machine, facts: facts, expectedVersion: expectedVersion,
                payload: payload, error: error, now: now)
        }
    }

    /// The same, inside a write transaction the caller already holds (so a tracker change and its
    /// lifecycle event commit together).
    package static func apply(
        _ event: LifecycleEvent, to issueId: Int64, in db: Database, machine: CompiledMachine,
        facts: TransitionFacts = TransitionFacts(), expectedVersion: Int? = nil, payload: [String: String] = [:],
        error: String? = nil, now: Date = Date()
    ) throws -> TransitionOutcome {
        guard let current = try lifecycle(of: issueId, db) else { throw StoreError.issueNotFound("#\(issueId)") }
        if let expectedVersion, expectedVersion != current.version {
            return .conflict(expected: expectedVersion, actual: current.version)
        }
        let context = TransitionContext(
            phase: current.phase, standing: facts.standing, slotAvailable: facts.slotAvailable,
            failures: current.attempt, blockReason: current.blockReason, usage: facts.usage)
        let step: Step
        switch machine.step(from: current.state, on: event, context: context) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let success): step = success
        }
        var next = current
        next.state = step.transition.to
        next.version += 1
        next.attempt = step.failures
        next.phase = step.phase
        next.blockReason = step.blockReason
        next.dueAt = step.dueInMs.map { now.addingTimeInterval(Double($0) / 1000) }
        if let error {
            next.lastError = error
        } else if step.blockReason == .budgetExhausted, current.blockReason != .budgetExhausted {
            // The operator needs to know which limit was reached before lifting it.
            next.lastError = machine.policy.budget.spentDescription(facts.usage)
        }

        // Compare-and-set: the row must still be what the machine saw.
        try db.cachedStatement(
            sql: """
                UPDATE issue SET lifecycleState = ?, version = ?, attempt = ?, phase = ?, blockReason = ?,
                  dueAt = ?, lastError = ?, updatedAt = ?
                WHERE id = ? AND version = ? AND lifecycleState = ?
                """
        ).execute(arguments: [
            next.state.rawValue, next.version, next.attempt, next.phase.rawValue, next.blockReason?.rawValue,
            next.dueAt.map(databaseDateString), next.lastError, databaseDateString(now), issueId, current.version,
            current.state.rawValue,
        ])
        guard db.changesCount == 1 else {
            let actual = try lifecycle(of: issueId, db)?.version ?? -1
            return .conflict(expected: current.version, actual: actual)
        }
        var details = payload
        details["guards"] = step.transition.guards.map(\.token).joined(separator: " ")
        details["effects"] = step.transition.effects.map(\.token).joined(separator: " ")
        if let due = step.dueInMs { details["dueInMs"] = String(due) }
        if let error { details["error"] = error }
        var record = TransitionRecord(
            issueId: issueId, identifier: current.identifier, version: next.version, fromState: current.state,
            toState: next.state, event: event, attempt: next.attempt, payload: jsonObject(details), at: now)
        try db.cachedStatement(
            sql: """
                INSERT INTO "transition" (seq, issueId, identifier, version, fromState, toState, event, attempt, payload, at)
                VALUES (\(LogSequence.next), ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            issueId, record.identifier, record.version, record.fromState.rawValue, record.toState.rawValue,
            record.event.rawValue, record.attempt, record.payload, databaseDateString(now),
        ])
        record.seq = db.lastInsertedRowID
        return .committed(CommittedTransition(record: record, transition: step.transition, lifecycle: next))
    }

    /// Reads only the lifecycle columns, by position, through a cached statement: the hot path.
    package static func lifecycle(of issueId: Int64, _ db: Database) throws -> IssueLifecycle? {
        let statement = try db.cachedStatement(
            sql: """
                SELECT identifier, lifecycleState, version, attempt, phase, blockReason, dueAt, lastError
                FROM issue WHERE id = ?
                """)
        guard let row = try Row.fetchOne(statement, arguments: [issueId]) else { return nil }
        guard let state = LifecycleState(rawValue: row[1]), let phase = Phase(rawValue: row[4]) else {
            throw StoreError.invalidValue("issue #\(issueId) has an unknown lifecycle state or phase")
        }
        return IssueLifecycle(
            identifier: row[0], state: state, version: row[2], attempt: row[3], phase: phase,
            blockReason: (row[5] as String?).flatMap(BlockReason.init(rawValue:)), dueAt: row[6], lastError: row[7])
    }
}

/// A JSON object of strings with sorted keys: stable text, without an encoder per transition.
func jsonObject(_ values: [String: String]) -> String {
    var text = "{"
    for (index, key) in values.keys.sorted().enumerated() {
        if index > 0 { text += "," }
        JSONValue.writeString(key, into: &text)
        text += ":"
        JSONValue.writeString(values[key] ?? "", into: &text)
    }
    return text + "}"
}
