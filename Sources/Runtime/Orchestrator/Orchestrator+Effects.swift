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
        let issueId = record.issueId
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
                perform(changeBook { $0.stop(issueId, reason: "\(record.event.rawValue) -> \(record.toState.rawValue)") })
            case .deliverAnswer:
                let payload = record.payloadObject
                guard let text = payload["answer"], let requestId = payload["request_id"] else { continue }
                perform(changeBook { $0.answer(AgentAnswer(requestId: requestId, text: text), for: issueId, at: clock.now()) })
            case .removeWorkspace:
                // Never under a run that is still exiting in the directory: after it is gone.
                perform(changeBook { $0.afterEnd(issueId, .removeWorkspace) })
            case .scheduleContinuation, .scheduleRetry, .resetRetries, .resetBudget, .enterPhase, .recordBlock:
                break  // Store-side effects, already part of the committed row.
            }
        }
    }

    /// Carries out what the run book decided.
    func perform(_ actions: [RunBook.Action]) {
        for action in actions {
            switch action {
            case .stop(let issueId, let reason):
                controls[issueId]?.stop(reason: reason)
                if reason.hasPrefix("stalled") {
                    logger.warning("run stalled", metadata: ["issue_id": "\(issueId)", "reason": "\(reason)"])
                }
            case .deliver(let issueId, let answer):
                controls[issueId]?.answer(answer)
                let now = clock.now()
                let store = store
                enqueue {
                    _ = try? await store.record { db in
                        try db.execute(
                            sql: "UPDATE agentRequest SET resolvedAt = ?, resolution = ? WHERE issueId = ? AND requestId = ? AND resolvedAt IS NULL",
                            arguments: [now, "answered: \(answer.text)", issueId, answer.requestId])
                    }
                }
            case .reblock(let issueId, let requestId):
                enqueue {
                    let summary =
                        (try? await self.store.read { db in
                            try String.fetchOne(
                                db, sql: "SELECT summary FROM agentRequest WHERE issueId = ? AND requestId = ? AND resolvedAt IS NULL",
                                arguments: [issueId, requestId])
                        }) ?? nil
                    await self.block(issueId, on: requestId, summary: summary ?? "another request waits")
                }
            case .removeWorkspace(let issueId):
                enqueue { await self.removeWorkspace(issueId: issueId) }
            }
        }
    }

    /// Moves an issue in an active tracker state to `tracker.claim_state`, through its tracker.
    private func claim(_ issue: IssueRecord, workflow: Workflow) async {
        guard let claim = workflow.config.tracker.claimState,
            normalizedTrackerState(issue.trackerState) != normalizedTrackerState(claim),
            workflow.machine.policy.trackerStates.active.contains(normalizedTrackerState(issue.trackerState))
        else { return }
        do {
            let view = try await store.read { db in try ViewBuilding.issue(issue, db) }
            _ = try await providers.provider(view.provider).moveIssue(view, to: claim, ifCurrently: issue.trackerState)
        } catch {
            logger.warning(
                "claim write-back failed", metadata: ["issue_id": "\(issue.id ?? 0)", "issue_identifier": "\(issue.identifier)", "error": "\(error)"])
        }
    }

    func workspaces(_ workflow: Workflow) -> WorkspaceManager {
        WorkspaceManager(root: workflow.config.workspaceRoot, hooks: workflow.config.hooks, environment: agentEnvironment)
    }

    /// The environment hooks and agents get: the daemon's, without any tracker secret. Trackers
    /// may learn secret names after start (a Linear project naming its key variable).
    var agentEnvironment: [String: String] {
        let secrets = Set(providers.secretEnvironmentNames)
        return environment.filter { !secrets.contains($0.key) }
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
            let now = clock.now()
            try await store.record { db in
                var workspace =
                    try WorkspaceRecord.fetchOne(db, key: issue.id)
                    ?? WorkspaceRecord(issueId: issue.id ?? 0, key: prepared.key, path: prepared.path, at: now)
                workspace.path = prepared.path
                workspace.lastUsedAt = now
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

    /// `before_remove`, then deletes the workspace. Runs only once the issue's run is gone.
    func removeWorkspace(issueId: Int64) async {
        guard let workspace = try? await store.read({ db in try WorkspaceRecord.fetchOne(db, key: issueId) }) else {
            // No record (an issue whose workspace a crash left unrecorded): go by its identifier.
            guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) else { return }
            return await removeWorkspace(identifier: issue.identifier, issueId: issueId, phase: issue.phase)
        }
        let identifier = (try? await store.read { db in try IssueRecord.fetchOne(db, key: issueId)?.identifier }) ?? nil
        await removeWorkspace(identifier: identifier ?? workspace.key, issueId: issueId, phase: nil)
    }

    private func removeWorkspace(identifier: String, issueId: Int64, phase: Phase?) async {
        let manager = workspaces(await source.current)
        var environment = ["MAESTRO_ISSUE_ID": String(issueId)]
        if let phase { environment["MAESTRO_ISSUE_PHASE"] = phase.rawValue }
        if let result = await manager.remove(identifier: identifier, hookEnvironment: environment) {
            await keepEvent(issueId: issueId, sessionId: nil, kind: "hook.\(result.hook)", message: "\(result.status)\n\(result.output)")
        }
        let now = clock.now()
        _ = try? await store.record { db in
            if var workspace = try WorkspaceRecord.fetchOne(db, key: issueId) {
                workspace.removedAt = now
                try workspace.update(db)
            }
        }
    }

    /// Keeps hook output in runtime events and a truncated line in the log.
    func record(hooks: [HookResult], issue: IssueRecord) async throws {
        guard !hooks.isEmpty else { return }
        for result in hooks {
            var metadata: Logger.Metadata = [
                "issue_id": "\(issue.id ?? 0)", "issue_identifier": "\(issue.identifier)", "hook": "\(result.hook)", "status": "\(result.status)",
            ]
            // A failing hook's own words (its stderr) belong in the log; a passing one's do not.
            if !result.succeeded { metadata["output"] = "\(result.outputTail)" }
            logger.log(level: result.succeeded ? .info : .warning, result.succeeded ? "hook finished" : "hook failed", metadata: metadata)
        }
        let now = clock.now()
        try await store.record { db in
            for result in hooks {
                var event = RuntimeEventRecord(
                    issueId: issue.id, sessionId: nil, kind: "hook.\(result.hook)", message: "\(result.status)\n\(result.output)", at: now)
                try event.append(db)
            }
        }
    }
}
