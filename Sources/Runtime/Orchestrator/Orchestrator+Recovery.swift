import Foundation
import GRDB
import Logging
import StateMachine
import WorkflowParser

extension Orchestrator {
    /// What start-up recovery did.
    public struct RecoveryReport: Sendable, Hashable {
        public var orphansKilled = 0
        public var interrupted: [String] = []
        public var workspacesRemoved = 0
    }

    /// Resumes from the database after a stop or a crash: kills agent processes a dead daemon left
    /// behind, moves every issue that had a live run on through `interrupted` (its thread resumes on
    /// the next run), re-judges issues whose tracker moved meanwhile, and removes the workspaces of
    /// issues whose tracker state is terminal.
    public func recover() async throws -> RecoveryReport {
        await startTransitionLog()
        var report = RecoveryReport()
        let workflow = await source.current
        let rules = LifecycleRules(workflow: workflow)
        let now = clock.now()
        let open = try await store.read { db in try SessionRecord.live.fetchAll(db) }
        for var session in open {
            if let pid = session.pid, let recorded = session.processStartTime, ProcessGroup.startTime(of: pid) == recorded {
                await ProcessGroup.terminate(pid)
                report.orphansKilled += 1
                logger.warning(
                    "killed an orphaned agent", metadata: ["issue_id": "\(session.issueId)", "session_id": "\(session.id ?? 0)", "pid": "\(pid)"])
            }
            session.endedAt = now
            session.outcome = "interrupted: the daemon stopped during the run"
            try await store.record { [session] db in try session.update(db) }
        }
        try await store.record { db in
            try db.execute(
                sql: "UPDATE agentRequest SET resolvedAt = ?, resolution = 'the daemon stopped' WHERE resolvedAt IS NULL", arguments: [now])
        }
        for issue in try await store.read({ db in try IssueRecord.possiblyLive(db) }) {
            let outcome = try await apply(
                .interrupted, to: issue, machine: workflow.machine, expectedVersion: issue.version, payload: ["reason": "daemon restarted"])
            guard outcome.committed != nil else { continue }
            report.interrupted.append(issue.identifier)
        }
        // The tracker may have moved while nobody watched (an agent handed off just before the
        // crash, a CLI moved a card): route every issue by its standing now.
        let names = report.interrupted
        await refresh(try await store.read { db in try IssueRecord.filter(names.contains(Column("identifier"))).fetchAll(db) })
        _ = try await Reconciler.catchUp(store: store, rules: rules, now: clock.now())
        _ = try await Reconciler.reconcileAll(store: store, rules: rules, now: clock.now())
        let terminal = Array(rules.machine.policy.trackerStates.terminal)
        let identifiers =
            terminal.isEmpty
            ? []
            : try await store.read { db in
                try String.fetchAll(
                    db,
                    sql: "SELECT identifier FROM issue WHERE lower(trim(trackerState)) IN (\(terminal.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(terminal))
            }
        let manager = workspaces(workflow)
        for identifier in identifiers {
            if let path = try? manager.path(for: identifier), FileManager.default.fileExists(atPath: path) {
                await manager.remove(identifier: identifier, hookEnvironment: [:])
                report.workspacesRemoved += 1
            }
        }
        appliedRevision = await source.revision
        await onWorkflow?(workflow, appliedRevision)
        return report
    }
}
