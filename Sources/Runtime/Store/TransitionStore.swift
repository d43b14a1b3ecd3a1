public import Foundation
public import GRDB
public import StateMachine

/// Facts about the world the caller knows and the store does not: the tracker standing and slots.
public struct TransitionFacts: Sendable, Hashable {
    public var standing: TrackerStanding
    public var slotAvailable: Bool

    public init(standing: TrackerStanding = .fitsPhase, slotAvailable: Bool = true) {
        self.standing = standing
        self.slotAvailable = slotAvailable
    }
}

/// A transition that is in the log.
public struct CommittedTransition: Sendable, Hashable {
    public var record: TransitionRecord
    public var transition: Transition
    /// The issue after the transition.
    public var issue: IssueRecord
}

/// What happened to an applied event.
public enum TransitionOutcome: Sendable, Hashable {
    case committed(CommittedTransition)
    /// The machine rejected the event; nothing changed.
    case rejected(Rejection)
    /// The issue was not at the expected version (another writer got there first); nothing changed.
    case conflict(expected: Int, actual: Int)

    public var committed: CommittedTransition? {
        if case .committed(let committed) = self { return committed }
        return nil
    }
}

/// The one place where lifecycle state changes.
public enum TransitionStore {
    /// Applies `event` to an issue in one IMMEDIATE transaction: runs the machine, compare-and-sets
    /// (lifecycle state, version), updates the issue and appends to the log.
    /// - Parameter expectedVersion: when given, a different current version is a conflict.
    /// - Throws: ``StoreError/issueNotFound(_:)`` or a database error (nothing changed).
    public static func apply(
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
    public static func apply(
        _ event: LifecycleEvent, to issueId: Int64, in db: Database, machine: CompiledMachine,
        facts: TransitionFacts = TransitionFacts(), expectedVersion: Int? = nil, payload: [String: String] = [:],
        error: String? = nil, now: Date = Date()
    ) throws -> TransitionOutcome {
        guard var issue = try IssueRecord.fetchOne(db, key: issueId) else {
            throw StoreError.issueNotFound("#\(issueId)")
        }
        if let expectedVersion, expectedVersion != issue.version {
            return .conflict(expected: expectedVersion, actual: issue.version)
        }
        let context = TransitionContext(
            phase: issue.phase, standing: facts.standing, slotAvailable: facts.slotAvailable, failures: issue.attempt,
            blockReason: issue.blockReason)
        let step: Step
        switch machine.step(from: issue.lifecycleState, on: event, context: context) {
        case .failure(let rejection): return .rejected(rejection)
        case .success(let success): step = success
        }
        let previous = (state: issue.lifecycleState, version: issue.version)
        issue.lifecycleState = step.transition.to
        issue.version += 1
        issue.attempt = step.failures
        issue.phase = step.phase
        issue.blockReason = step.blockReason
        issue.dueAt = step.dueInMs.map { now.addingTimeInterval(Double($0) / 1000) }
        if let error { issue.lastError = error }
        issue.updatedAt = now
        // Compare-and-set: the row must still be what the machine saw.
        try db.execute(
            sql: """
                UPDATE issue SET lifecycleState = ?, version = ?, attempt = ?, phase = ?, blockReason = ?,
                  dueAt = ?, lastError = ?, updatedAt = ?
                WHERE id = ? AND version = ? AND lifecycleState = ?
                """,
            arguments: [
                issue.lifecycleState.rawValue, issue.version, issue.attempt, issue.phase.rawValue,
                issue.blockReason?.rawValue, issue.dueAt, issue.lastError, now, issueId, previous.version,
                previous.state.rawValue,
            ])
        guard db.changesCount == 1 else {
            let actual = try Int.fetchOne(db, sql: "SELECT version FROM issue WHERE id = ?", arguments: [issueId])
            return .conflict(expected: previous.version, actual: actual ?? -1)
        }
        var details = payload
        details["guards"] = step.transition.guards.map(\.token).joined(separator: " ")
        details["effects"] = step.transition.effects.map(\.token).joined(separator: " ")
        if let due = step.dueInMs { details["dueInMs"] = String(due) }
        if let error { details["error"] = error }
        var record = TransitionRecord(
            issueId: issueId, identifier: issue.identifier, version: issue.version, fromState: previous.state,
            toState: issue.lifecycleState, event: event, attempt: issue.attempt,
            payload: String(decoding: try JSONEncoder.sorted.encode(details), as: UTF8.self), at: now)
        try record.insert(db)
        return .committed(CommittedTransition(record: record, transition: step.transition, issue: issue))
    }
}

extension JSONEncoder {
    /// Sorted keys, so payloads are stable text.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
