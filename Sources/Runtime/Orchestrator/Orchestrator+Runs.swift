import Foundation
import GRDB
import Logging
import StateMachine
import WorkflowParser

extension Orchestrator {
    /// Runs one agent phase for an issue and turns its ending into the next event.
    ///
    /// The run is registered before its first suspension, so a `stop_run` committed while it starts
    /// finds it; and it starts only while the issue is still at the version whose transition asked
    /// for it.
    func runAgent(_ issue: IssueRecord, phase: Phase, version: Int) async {
        let workflow = await source.current
        let machine = workflow.machine
        let issueId = issue.id ?? 0
        // A previous run of this issue still stopping (a cancel, then a quick retry) ends first.
        if let previous = liveRuns[issueId] {
            previous.control.stop(reason: "superseded by a new run")
            let deadline = ContinuousClock.now + .seconds(30)
            while liveRuns[issueId] != nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            guard liveRuns[issueId] == nil else {
                logger.error("the previous run did not stop", metadata: ["issue_id": "\(issueId)", "issue_identifier": "\(issue.identifier)"])
                _ = try? await apply(.runFailed, to: issue, machine: machine, error: "the previous run of this issue did not stop")
                return
            }
        }
        let control = AgentRunControl()
        liveRuns[issueId] = LiveRun(identifier: issue.identifier, phase: phase, sessionId: 0, control: control, lastActivity: Date())
        let current = try? await store.read { db in try IssueRecord.fetchOne(db, key: issueId) }
        guard let current, current.version == version, control.stopReason == nil else {
            liveRuns[issueId] = nil
            return  // A later transition decided otherwise.
        }
        let prepared: (request: AgentRunRequest, sessionId: Int64)
        do {
            prepared = try await prepareRun(current, phase: phase, workflow: workflow)
        } catch {
            liveRuns[issueId] = nil
            logger.warning(
                "run could not start", metadata: ["issue_id": "\(issueId)", "issue_identifier": "\(issue.identifier)", "error": "\(error)"])
            _ = try? await apply(.runFailed, to: current, machine: machine, error: "\(error)")
            return
        }
        liveRuns[issueId]?.sessionId = prepared.sessionId
        logger.info(
            "run started",
            metadata: [
                "issue_id": "\(issueId)", "issue_identifier": "\(issue.identifier)", "session_id": "\(prepared.sessionId)",
                "phase": "\(phase.rawValue)",
            ])
        let ending = await runner.run(
            prepared.request, control: control,
            report: { report in await self.receive(report, issueId: issueId, sessionId: prepared.sessionId) },
            shouldContinue: { await self.shouldContinue(issueId: issueId, control: control) })
        // The run stays registered until its bookkeeping is written, so a shutdown waiting for live
        // runs also waits for their sessions to be closed and their endings applied.
        await finish(issue, phase: phase, sessionId: prepared.sessionId, ending: ending, stopReason: control.stopReason, workflow: workflow)
        liveRuns[issueId] = nil
    }

    /// Renders the prompt, resolves the workspace and records the session.
    private func prepareRun(_ issue: IssueRecord, phase: Phase, workflow: Workflow) async throws -> (AgentRunRequest, Int64) {
        let issueId = issue.id ?? 0
        let path = try workspaces(workflow).path(for: issue.identifier)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WorkspaceError.notADirectory(path)
        }
        guard let template = PromptContext.template(for: phase, in: workflow) else {
            throw StoreError.invalidValue("the workflow has no \(phase.rawValue) prompt")
        }
        let (blockers, project, previous, resume) = try await store.read { db in
            (
                try issue.blockers(db), try ProjectRecord.fetchOne(db, key: issue.projectId),
                try SessionRecord.filter(Column("issueId") == issueId && Column("phase") == phase.rawValue).fetchCount(db),
                try SessionRecord.latestThread(issueId: issueId, phase: phase, db)
            )
        }
        let variables = PromptContext.variables(
            issue: issue, blockers: blockers, project: project, phase: phase, previousRuns: previous,
            dispatchable: true)
        let prompt = try template.render(variables)
        let sessionId = try await store.write { db in
            var session = SessionRecord(issueId: issueId, phase: phase, at: Date())
            session.threadId = resume?.threadId
            try session.insert(db)
            return session.id ?? 0
        }
        let request = AgentRunRequest(
            issueId: issueId, identifier: issue.identifier, title: issue.title, phase: phase, workspacePath: path,
            workspaceRoot: workflow.config.workspaceRoot, prompt: prompt, workflow: workflow, resumeThreadId: resume?.threadId,
            resumeTokens: TokenCounts(
                input: resume?.inputTokens ?? 0, output: resume?.outputTokens ?? 0, total: resume?.totalTokens ?? 0),
            secretEnvironmentNames: tracker.secretEnvironmentNames)
        return (request, sessionId)
    }

    /// Whether a completed turn should be followed by another on the same thread: the tracker must
    /// still agree with the phase.
    func shouldContinue(issueId: Int64, control: AgentRunControl) async -> Bool {
        guard control.stopReason == nil, dispatching else { return false }
        // The done phase has no tracker state left to wait for: one turn finishes it.
        guard liveRuns[issueId]?.phase != .done else { return false }
        let workflow = await source.current
        guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }),
            let snapshot = try? await tracker.fetchIssues(ids: [String(issueId)])
        else { return false }
        return Self.standing(of: snapshot.first, issue: issue, workflow: workflow) == .fitsPhase
    }

    /// Records what a live run reports. Activity stays in memory until the next tick flushes it;
    /// everything that matters after a crash (process, thread, tokens) is written at once.
    func receive(_ report: AgentRunReport, issueId: Int64, sessionId: Int64) async {
        liveRuns[issueId]?.lastActivity = Date()
        switch report {
        case .activity(let event, let message):
            liveRuns[issueId]?.lastEvent = event
            if let message { liveRuns[issueId]?.lastMessage = String(message.prefix(500)) }
            liveRuns[issueId]?.dirty = true
        case .processStarted(let pid, let startTime):
            await updateSession(sessionId) {
                $0.pid = pid; $0.processStartTime = startTime
            }
        case .threadStarted(let thread):
            await updateSession(sessionId) { $0.threadId = thread }
        case .turnStarted(let turn):
            await updateSession(sessionId) { $0.turnCount = turn }
        case .tokens(let counts):
            await updateSession(sessionId) {
                $0.inputTokens = counts.input
                $0.outputTokens = counts.output
                $0.totalTokens = counts.total
            }
        case .inputRequired(let question):
            await keepEvent(issueId: issueId, sessionId: sessionId, kind: "agent.input_required", message: question)
            if let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) {
                _ = try? await apply(
                    .inputRequired, to: issue, machine: await source.current.machine, payload: ["question": String(question.prefix(2000))])
            }
        case .diagnostic(let line):
            await keepEvent(issueId: issueId, sessionId: sessionId, kind: "agent.diagnostic", message: line)
        }
    }

    private func updateSession(_ id: Int64, _ change: @escaping @Sendable (inout SessionRecord) -> Void) async {
        _ = try? await store.write { db in
            guard var session = try SessionRecord.fetchOne(db, key: id) else { return }
            change(&session)
            try session.update(db)
        }
    }

    private func keepEvent(issueId: Int64, sessionId: Int64, kind: String, message: String) async {
        _ = try? await store.write { db in
            var event = RuntimeEventRecord(issueId: issueId, sessionId: sessionId, kind: kind, message: message, at: Date())
            try event.append(db)
        }
    }

    /// Writes the live runs' last event and message; called every tick.
    func flushTelemetry() async throws {
        let dirty = liveRuns.filter(\.value.dirty)
        guard !dirty.isEmpty else { return }
        for id in dirty.keys { liveRuns[id]?.dirty = false }
        try await store.pool.write { db in
            for run in dirty.values {
                guard var session = try SessionRecord.fetchOne(db, key: run.sessionId) else { continue }
                session.lastEvent = run.lastEvent
                session.lastMessage = run.lastMessage
                session.lastEventAt = run.lastActivity
                try session.update(db)
            }
        }
    }

    /// After a run: `after_run`, the session's end, and the event its ending means.
    private func finish(
        _ issue: IssueRecord, phase: Phase, sessionId: Int64, ending: AgentRunEnding, stopReason: String?, workflow: Workflow
    ) async {
        let issueId = issue.id ?? 0
        if let result = await workspaces(workflow).afterRun(identifier: issue.identifier, hookEnvironment: Self.hookEnvironment(issue)) {
            try? await record(hooks: [result], issue: issue)
        }
        let outcome: String =
            switch ending {
            case .completed(let turns): "completed after \(turns) turn(s)"
            case .failed(let reason): "failed: \(reason)"
            case .stopped: "stopped: \(stopReason ?? "requested")"
            }
        await updateSession(sessionId) {
            $0.endedAt = Date()
            $0.outcome = outcome
        }
        logger.info(
            "run ended",
            metadata: ["issue_id": "\(issueId)", "issue_identifier": "\(issue.identifier)", "session_id": "\(sessionId)", "outcome": "\(outcome)"])
        let workflow = await source.current
        switch ending {
        case .completed:
            _ = try? await applyTrackerStanding(
                issueId: issueId, event: .runEnded, workflow: workflow, payload: ["session": String(sessionId)])
        case .failed(let reason):
            await applyFailure(issueId: issueId, sessionId: sessionId, reason: reason, workflow: workflow)
        case .stopped:
            // A stall is a failure to retry; other stops follow a transition that already decided.
            if let stopReason, stopReason.hasPrefix("stalled") {
                await applyFailure(issueId: issueId, sessionId: sessionId, reason: stopReason, workflow: workflow)
            }
        }
    }

    private func applyFailure(issueId: Int64, sessionId: Int64, reason: String, workflow: Workflow) async {
        guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) else { return }
        _ = try? await apply(.runFailed, to: issue, machine: workflow.machine, payload: ["session": String(sessionId)], error: reason)
    }

    // MARK: - Shutdown

    /// Stops dispatching, stops every live run with a recorded reason, and waits (bounded) for them
    /// to end; their issues move on through `interrupted` so a restart resumes them.
    public func shutDown(timeout: Duration = .seconds(10)) async {
        dispatching = false
        let live = liveRuns
        for run in live.values { run.control.stop(reason: "daemon shutdown") }
        let deadline = ContinuousClock.now + timeout
        while !liveRuns.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let machine = await source.current.machine
        for id in live.keys {
            guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: id) }) else { continue }
            _ = try? await apply(.interrupted, to: issue, machine: machine, payload: ["reason": "daemon shutdown"])
        }
        logger.info("shut down", metadata: ["interrupted_runs": "\(live.count)"])
    }
}
