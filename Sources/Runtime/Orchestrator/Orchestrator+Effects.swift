import Foundation
import GRDB
import Logging
import StateMachine
import WorkflowParser

extension Orchestrator {
    /// The subscriber name of the effects executor in the transition feed.
    static let effectsSubscriber = "orchestrator.effects"

    /// Carries out the effects of committed transitions, in log order, from a durable cursor.
    public nonisolated func runEffects() async throws {
        let feed = TransitionFeed(store: store)
        try await feed.follow(as: Self.effectsSubscriber) { record in
            try await self.carryOut(record)
            return true
        }
    }

    /// Runs a transition's effects if the issue is still at that transition's version; a superseded
    /// transition's effects are stale (a later transition decided otherwise) and are skipped.
    func carryOut(_ record: TransitionRecord) async throws {
        let effects = (record.payloadObject["effects"] ?? "").split(separator: " ").compactMap { Effect(token: String($0)) }
        guard !effects.isEmpty else { return }
        guard let issue = try await store.read({ db in try IssueRecord.fetchOne(db, key: record.issueId) }),
            issue.version == record.version
        else { return }
        let workflow = await source.current
        for effect in effects {
            switch effect {
            case .claimInTracker:
                await claim(issue, workflow: workflow)
            case .prepareWorkspace:
                let version = record.version
                enqueue { await self.prepareWorkspace(issue, version: version) }
            case .startRun(let phase):
                let version = record.version
                enqueue { await self.runAgent(issue, phase: phase, version: version) }
            case .stopRun:
                liveRuns[record.issueId]?.control.stop(reason: "\(record.event.rawValue) -> \(record.toState.rawValue)")
            case .deliverAnswer:
                if let answer = record.payloadObject["answer"] { liveRuns[record.issueId]?.control.answer(answer) }
            case .removeWorkspace:
                enqueue { await self.removeWorkspace(issue) }
            case .scheduleContinuation, .scheduleRetry, .resetRetries, .enterPhase, .recordBlock:
                break  // Store-side effects, already part of the committed row.
            }
        }
    }

    /// Moves an issue in an active tracker state to `tracker.claim_state`.
    private func claim(_ issue: IssueRecord, workflow: Workflow) async {
        guard let claim = workflow.config.tracker.claimState,
            normalizedTrackerState(issue.trackerState) != normalizedTrackerState(claim),
            workflow.machine.policy.trackerStates.active.contains(normalizedTrackerState(issue.trackerState))
        else { return }
        do {
            try await tracker.writeState(claim, issueId: String(issue.id ?? 0), ifCurrently: issue.trackerState)
        } catch {
            logger.warning(
                "claim write-back failed", metadata: ["issue_id": "\(issue.id ?? 0)", "issue_identifier": "\(issue.identifier)", "error": "\(error)"])
        }
    }

    func workspaces(_ workflow: Workflow) -> WorkspaceManager {
        WorkspaceManager(root: workflow.config.workspaceRoot, hooks: workflow.config.hooks, environment: environment)
    }

    static func hookEnvironment(_ issue: IssueRecord) -> [String: String] {
        ["MAESTRO_ISSUE_ID": String(issue.id ?? 0), "MAESTRO_ISSUE_PHASE": issue.phase.rawValue]
    }

    /// Prepares the workspace and reports `workspace_ready` or `workspace_failed`.
    func prepareWorkspace(_ issue: IssueRecord, version: Int) async {
        let workflow = await source.current
        let manager = workspaces(workflow)
        do {
            let prepared = try await manager.prepare(identifier: issue.identifier, hookEnvironment: Self.hookEnvironment(issue))
            try await record(hooks: prepared.hooks, issue: issue)
            try await store.write { db in
                var workspace =
                    try WorkspaceRecord.fetchOne(db, key: issue.id)
                    ?? WorkspaceRecord(issueId: issue.id ?? 0, key: prepared.key, path: prepared.path, at: Date())
                workspace.path = prepared.path
                workspace.lastUsedAt = Date()
                workspace.removedAt = nil
                try workspace.save(db)
            }
            _ = try await apply(
                .workspaceReady, to: issue, machine: workflow.machine, expectedVersion: version, payload: ["workspace": prepared.path])
        } catch let error as WorkspaceError {
            if case .hookFailed(let result) = error { try? await record(hooks: [result], issue: issue) }
            logger.warning(
                "workspace failed", metadata: ["issue_id": "\(issue.id ?? 0)", "issue_identifier": "\(issue.identifier)", "error": "\(error)"])
            _ = try? await apply(.workspaceFailed, to: issue, machine: workflow.machine, expectedVersion: version, error: error.description)
        } catch {
            logger.error("workspace bookkeeping failed", metadata: ["issue_identifier": "\(issue.identifier)", "error": "\(error)"])
        }
    }

    func removeWorkspace(_ issue: IssueRecord) async {
        let manager = workspaces(await source.current)
        if let result = await manager.remove(identifier: issue.identifier, hookEnvironment: Self.hookEnvironment(issue)) {
            try? await record(hooks: [result], issue: issue)
        }
        _ = try? await store.write { db in
            if var workspace = try WorkspaceRecord.fetchOne(db, key: issue.id) {
                workspace.removedAt = Date()
                try workspace.update(db)
            }
        }
    }

    /// Keeps hook output in runtime events and a truncated line in the log.
    func record(hooks: [HookResult], issue: IssueRecord) async throws {
        guard !hooks.isEmpty else { return }
        for result in hooks {
            let level: Logger.Level = result.succeeded ? .info : .warning
            logger.log(
                level: level, "hook finished",
                metadata: [
                    "issue_id": "\(issue.id ?? 0)", "issue_identifier": "\(issue.identifier)", "hook": "\(result.hook)", "status": "\(result.status)",
                ])
        }
        try await store.write { db in
            for result in hooks {
                var event = RuntimeEventRecord(
                    issueId: issue.id, sessionId: nil, kind: "hook.\(result.hook)", message: "\(result.status)\n\(result.output)", at: Date())
                try event.append(db)
            }
        }
    }
}
