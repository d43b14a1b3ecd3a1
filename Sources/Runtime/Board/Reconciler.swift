package import Foundation
package import GRDB
public import StateMachine
public import WorkflowParser

/// What the lifecycle needs from the daemon's current workflow to judge tracker facts.
public struct LifecycleRules: Sendable {
    public var machine: CompiledMachine
    /// Normalized (trimmed, lowercased).
    public var requiredLabels: [String]

    public init(machine: CompiledMachine, requiredLabels: [String]) {
        self.machine = machine
        self.requiredLabels = requiredLabels
    }

    public init(workflow: Workflow) {
        self.init(machine: workflow.machine, requiredLabels: workflow.config.tracker.requiredLabels)
    }

    /// Whether a tracker state is terminal under these rules.
    public func isTerminal(_ state: String) -> Bool {
        machine.policy.trackerStates.terminal.contains(normalizedTrackerState(state))
    }
}

/// The one owner of tracker-driven lifecycle decisions: it turns an issue's tracker facts (state,
/// labels, blockers, visibility) into a ``TrackerStanding`` and applies `tracker_updated` with the
/// daemon's current machine. Adapters and CLI processes only write facts; the daemon reconciles
/// them in the same transaction when it wrote them itself, and from the board change log otherwise.
package enum Reconciler {
    /// The subscriber name of the daemon's reconciler in the shared log.
    package static let cursorName = "runtime.reconciler"

    /// The issue's standing under `rules`, from the store's rows.
    package static func standing(of issue: IssueRecord, rules: LifecycleRules, _ db: Database) throws -> TrackerStanding {
        TrackerStanding.classify(
            TrackerObservation(state: issue.visible ? issue.trackerState : nil, routable: try isRoutable(issue, rules: rules, db)),
            state: issue.lifecycleState, phase: issue.phase, policy: rules.machine.policy)
    }

    /// Routable: every required label present and no unfinished blocker, in the store or outside it.
    package static func isRoutable(_ issue: IssueRecord, rules: LifecycleRules, _ db: Database) throws -> Bool {
        guard Set(issue.labels).isSuperset(of: rules.requiredLabels) else { return false }
        guard issue.externalBlockers.allSatisfy({ $0.state.map(rules.isTerminal) ?? false }) else { return false }
        let states = try String.fetchAll(
            db.cachedStatement(
                sql: "SELECT issue.trackerState FROM issueBlocker JOIN issue ON issue.id = issueBlocker.blockerId WHERE issueBlocker.issueId = ?"),
            arguments: [issue.id])
        return states.allSatisfy(rules.isTerminal)
    }

    /// Applies each issue's current standing as `tracker_updated`; a standing that asks for no change
    /// writes nothing. Returns the committed transitions.
    @discardableResult
    package static func reconcile(
        _ issueIds: some Sequence<Int64>, rules: LifecycleRules, now: Date, _ db: Database, origin: String = "tracker"
    ) throws -> [CommittedTransition] {
        var committed: [CommittedTransition] = []
        var seen = Set<Int64>()
        for issueId in issueIds where seen.insert(issueId).inserted {
            guard let issue = try IssueRecord.fetchOne(db, key: issueId) else { continue }
            let standing = try standing(of: issue, rules: rules, db)
            // Ask the machine first: most standings ask for nothing, and a rejection costs no write.
            let context = TransitionContext(
                phase: issue.phase, standing: standing, failures: issue.attempt, blockReason: issue.blockReason)
            guard case .success = rules.machine.step(from: issue.lifecycleState, on: .trackerUpdated, context: context) else {
                continue
            }
            let outcome = try TransitionStore.apply(
                .trackerUpdated, to: issueId, in: db, machine: rules.machine, facts: TransitionFacts(standing: standing),
                expectedVersion: issue.version,
                payload: ["trackerState": issue.trackerState, "standing": standing.rawValue, "source": origin], now: now)
            if let transition = outcome.committed { committed.append(transition) }
        }
        return committed
    }

    /// The issues whose standing may depend on `issueId`'s facts: itself and the issues it blocks.
    package static func affected(by issueId: Int64, _ db: Database) throws -> [Int64] {
        [issueId] + (try Int64.fetchAll(db, sql: "SELECT issueId FROM issueBlocker WHERE blockerId = ?", arguments: [issueId]))
    }

    /// Reconciles the issues named by board changes that their writers did not reconcile (another
    /// process's, or written while no daemon ran), from the reconciler's cursor on. Returns how many
    /// transitions committed.
    package static func catchUp(store: Store, rules: LifecycleRules, now: Date, batchSize: Int = 512) async throws -> Int {
        var total = 0
        while true {
            // The cursor commits with the transitions it accounts for; only transitions wake anyone.
            let (done, committed) = try await store.record { db -> (Bool, Int) in
                let cursor = try AdapterCursorRecord.fetchOne(db, key: cursorName)?.seq ?? 0
                let changes = try BoardChangeRecord.after(cursor, limit: batchSize).fetchAll(db)
                guard let last = changes.last?.seq else { return (true, 0) }
                var issues: [Int64] = []
                for change in changes where !change.reconciled {
                    if let issueId = change.issueId { issues += try affected(by: issueId, db) }
                    for identifier in (change.payloadObject["dependents"] ?? "").split(separator: " ") {
                        if let dependent = try IssueRecord.find(String(identifier), in: db)?.id { issues.append(dependent) }
                    }
                }
                let committed = try reconcile(issues, rules: rules, now: now, db, origin: "board_change")
                try AdapterCursorRecord(name: cursorName, seq: last, at: now).save(db)
                return (changes.count < batchSize, committed.count)
            }
            total += committed
            if committed > 0 { store.changes.notify() }
            if done { return total }
        }
    }

    /// Reconciles every issue: after a workflow reload changed the rules, and at start.
    package static func reconcileAll(store: Store, rules: LifecycleRules, now: Date) async throws -> Int {
        try await store.write { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM issue ORDER BY id")
            return try reconcile(ids, rules: rules, now: now, db, origin: "rules").count
        }
    }
}

extension BoardChangeRecord {
    /// The decoded payload.
    package var payloadObject: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(payload.utf8))) ?? [:]
    }
}
