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
        let issueId = issue.id ?? 0
        // A previous run of this issue still stopping (a cancel, then a quick retry) ends first.
        if book.runs[issueId] != nil {
            perform(changeBook { $0.stop(issueId, reason: "superseded by a new run") })
            guard await waitUntilGone(issueId, upTo: .seconds(30)) else {
                logger.error("the previous run did not stop", metadata: ["issue_id": "\(issueId)", "issue_identifier": "\(issue.identifier)"])
                let machine = await source.current.machine
                _ = try? await apply(.runFailed, to: issue, machine: machine, error: "the previous run of this issue did not stop")
                return
            }
        }
        // No new run once shutdown began: its issue is interrupted at the next start instead.
        guard dispatching else { return }
        let now = clock.now()
        guard changeBook({ $0.register(issueId, identifier: issue.identifier, phase: phase, trackerState: issue.trackerState, at: now) }) else {
            return
        }
        let control = AgentRunControl()
        controls[issueId] = control
        let workflow = await source.current
        let current = try? await store.read { db in try IssueRecord.fetchOne(db, key: issueId) }
        guard let current, current.version == version, control.stopReason == nil else {
            return await unregister(issueId)  // A later transition decided otherwise.
        }
        let prepared: (request: AgentRunRequest, sessionId: Int64)
        do {
            prepared = try await prepareRun(current, phase: phase, workflow: workflow)
        } catch {
            await unregister(issueId)
            logger.warning(
                "run could not start", metadata: ["issue_id": "\(issueId)", "issue_identifier": "\(issue.identifier)", "error": "\(error)"])
            _ = try? await apply(.runFailed, to: current, machine: workflow.machine, error: "\(error)")
            return
        }
        changeBook { $0.started(issueId, sessionId: prepared.sessionId) }
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
        // Judged at once, before anything else can ask for a stop: one ending wins.
        let verdict = changeBook { $0.conclude(issueId, ending) }
        // The run stays registered until its bookkeeping is written, so a shutdown waiting for live
        // runs also waits for their sessions to be closed and their endings applied.
        await finish(current, phase: phase, sessionId: prepared.sessionId, verdict: verdict, workflow: workflow)
        await unregister(issueId)
    }

    /// Forgets a run, closes what it left waiting, and carries out the work that waited for it.
    private func unregister(_ issueId: Int64) async {
        controls[issueId] = nil
        refreshedSinceTurn.remove(issueId)
        let actions = changeBook { $0.ended(issueId) }
        let now = clock.now()
        _ = try? await store.record { db in
            try db.execute(
                sql: "UPDATE agentRequest SET resolvedAt = ?, resolution = 'the run ended' WHERE issueId = ? AND resolvedAt IS NULL",
                arguments: [now, issueId])
        }
        runsChanged.notify()
        // A slot is free now: dispatch may go on without waiting for a write or a poll.
        wake.notify()
        perform(actions)
    }

    /// Waits until no run of the issue is registered, up to `limit`.
    func waitUntilGone(_ issueId: Int64, upTo limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while book.runs[issueId] != nil {
            let generation = runsChanged.generation
            let signal = runsChanged
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return false }
            _ = try? await withTimeout(remaining) { await signal.wait(after: generation) }
        }
        return true
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
            throw APIError(.invalidValue, "the workflow has no \(phase.rawValue) prompt")
        }
        let (blockers, project, previous, resume) = try await store.read { db in
            (
                try issue.blockers(db), try ProjectRecord.fetchOne(db, key: issue.projectId),
                try SessionRecord.filter(Column("issueId") == issueId && Column("phase") == phase.rawValue).fetchCount(db),
                try SessionRecord.latestThread(issueId: issueId, phase: phase, db)
            )
        }
        let variables = PromptContext.variables(
            issue: issue, blockers: blockers, project: project, phase: phase, previousRuns: previous, dispatchable: true)
        let prompt = try template.render(variables)
        let now = clock.now()
        let sessionId = try await store.write { db in
            var session = SessionRecord(issueId: issueId, phase: phase, at: now)
            session.threadId = resume?.threadId
            try session.insert(db)
            return session.id ?? 0
        }
        let request = AgentRunRequest(
            issueId: issueId, identifier: issue.identifier, title: issue.title, provider: project?.provider ?? "kanban", phase: phase,
            workspacePath: path, workspaceRoot: workflow.config.workspaceRoot, prompt: prompt, workflow: workflow,
            resumeThreadId: resume?.threadId,
            resumeTokens: TokenCounts(input: resume?.inputTokens ?? 0, output: resume?.outputTokens ?? 0, total: resume?.totalTokens ?? 0),
            secretEnvironmentNames: providers.secretEnvironmentNames)
        return (request, sessionId)
    }

    /// Whether a completed turn should be followed by another on the same thread: the tracker must
    /// still agree with the phase.
    func shouldContinue(issueId: Int64, control: AgentRunControl) async -> Bool {
        refreshedSinceTurn.remove(issueId)
        guard control.stopReason == nil, dispatching else { return false }
        // The done phase has no tracker state left to wait for: one turn finishes it.
        guard book.runs[issueId]?.phase != .done else { return false }
        guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) else { return false }
        await refresh([issue])
        let rules = LifecycleRules(workflow: await source.current)
        let standing = try? await store.read { db -> TrackerStanding? in
            guard let issue = try IssueRecord.fetchOne(db, key: issueId) else { return nil }
            return try Reconciler.standing(of: issue, rules: rules, db)
        }
        // A "no" ends the run at once: its end reads these same facts.
        if standing != .fitsPhase { refreshedSinceTurn.insert(issueId) }
        return standing == .fitsPhase
    }

    /// Records what a live run reports. Activity stays in memory until the next tick flushes it;
    /// what matters after a crash (process, thread, tokens) is written at once, without waking
    /// anyone: telemetry decides nothing.
    func receive(_ report: AgentRunReport, issueId: Int64, sessionId: Int64) async {
        changeBook { $0.record(report, for: issueId, at: clock.now()) }
        switch report {
        case .activity(let event, let message):
            // A turn's last message is its story for `maestro logs`; the rest stays telemetry.
            if event == "turn/completed" {
                await keepEvent(issueId: issueId, sessionId: sessionId, kind: "agent.turn_completed", message: String((message ?? "").prefix(4_000)))
            }
        case .processStarted(let pid, let startTime):
            await updateSession(sessionId) {
                $0.pid = pid
                $0.processStartTime = startTime
            }
        case .threadStarted(let thread):
            await updateSession(sessionId) { $0.threadId = thread }
        case .turnStarted(let turn):
            await updateSession(sessionId) { $0.turnCount = turn }
            await keepEvent(issueId: issueId, sessionId: sessionId, kind: "agent.turn_started", message: "turn \(turn)")
        case .tokens(let counts):
            await updateSession(sessionId) {
                $0.inputTokens = counts.input
                $0.outputTokens = counts.output
                $0.totalTokens = counts.total
            }
        case .inputRequired(let request):
            await requestInput(request, issueId: issueId, sessionId: sessionId)
        case .requestResolved(let id):
            let now = clock.now()
            _ = try? await store.record { db in
                try db.execute(
                    sql:
                        "UPDATE agentRequest SET resolvedAt = ?, resolution = 'withdrawn' WHERE issueId = ? AND requestId = ? AND resolvedAt IS NULL",
                    arguments: [now, issueId, id])
            }
        case .rateLimits(let limits):
            liveRuns.change { $0.rateLimits = limits }
        case .diagnostic(let line):
            await keepEvent(issueId: issueId, sessionId: sessionId, kind: "agent.diagnostic", message: line)
        }
    }

    /// Keeps the request where every process can see and answer it, and blocks the issue on it.
    private func requestInput(_ request: AgentRequest, issueId: Int64, sessionId: Int64) async {
        let now = clock.now()
        let detail = (try? MaestroJSON.text(request.detail)) ?? "{}"
        _ = try? await store.write { db in
            var record = AgentRequestRecord(
                issueId: issueId, sessionId: sessionId, requestId: request.id, kind: request.kind, summary: request.summary,
                detail: detail, at: now)
            try record.insert(db)
            var event = RuntimeEventRecord(
                issueId: issueId, sessionId: sessionId, kind: "agent.input_required", message: "\(request.kind) \(request.id): \(request.summary)",
                at: now)
            try event.append(db)
        }
        await block(issueId, on: request.id, summary: request.summary)
    }

    /// Applies `input_required` for a pending request (rejected, and harmless, when already blocked).
    func block(_ issueId: Int64, on requestId: String, summary: String) async {
        guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) else { return }
        _ = try? await apply(
            .inputRequired, to: issue, machine: await source.current.machine,
            payload: ["question": String(summary.prefix(2000)), "request_id": requestId])
    }

    private func updateSession(_ id: Int64, _ change: @escaping @Sendable (inout SessionRecord) -> Void) async {
        _ = try? await store.record { db in
            guard var session = try SessionRecord.fetchOne(db, key: id) else { return }
            change(&session)
            try session.update(db)
        }
    }

    func keepEvent(issueId: Int64, sessionId: Int64?, kind: String, message: String) async {
        let now = clock.now()
        _ = try? await store.record { db in
            var event = RuntimeEventRecord(issueId: issueId, sessionId: sessionId, kind: kind, message: message, at: now)
            try event.append(db)
        }
    }

    /// Writes the live runs' last event and message; called every tick. Wakes nobody.
    func flushTelemetry() async throws {
        let dirty = changeBook { $0.takeDirty() }
        guard !dirty.isEmpty else { return }
        try await store.record { db in
            for run in dirty {
                guard let id = run.sessionId, var session = try SessionRecord.fetchOne(db, key: id) else { continue }
                session.lastEvent = run.lastEvent
                session.lastMessage = run.lastMessage
                session.lastEventAt = run.lastEventAt
                try session.update(db)
            }
        }
    }

    /// After a run: `after_run`, the session's end, and the event its ending means.
    private func finish(_ issue: IssueRecord, phase: Phase, sessionId: Int64, verdict: RunBook.Verdict, workflow: Workflow) async {
        let issueId = issue.id ?? 0
        if let result = await workspaces(workflow).afterRun(identifier: issue.identifier, hookEnvironment: Self.hookEnvironment(issue)) {
            try? await record(hooks: [result], issue: issue)
        }
        let outcome: String =
            switch verdict {
            case .completed(let turns): "completed after \(turns) turn(s)"
            case .failed(let reason): "failed: \(reason)"
            case .stalled(let reason), .stopped(let reason): "stopped: \(reason)"
            }
        if let run = book.runs[issueId] {
            let now = clock.now()
            // Quietly: the ending's transition, next, is what wakes anyone.
            _ = try? await store.record { db in
                guard var session = try SessionRecord.fetchOne(db, key: sessionId) else { return }
                session.endedAt = now
                session.outcome = outcome
                session.lastEvent = run.lastEvent ?? session.lastEvent
                session.lastMessage = run.lastMessage ?? session.lastMessage
                session.lastEventAt = run.lastEventAt ?? session.lastEventAt
                try session.update(db)
            }
        }
        // A failure is worth a warning: it costs a retry, and enough of them block the issue.
        let level: Logger.Level =
            switch verdict {
            case .failed, .stalled: .warning
            case .completed, .stopped: .info
            }
        logger.log(
            level: level, "run ended",
            metadata: ["issue_id": "\(issueId)", "issue_identifier": "\(issue.identifier)", "session_id": "\(sessionId)", "outcome": "\(outcome)"])
        switch verdict {
        case .completed:
            await applyRunEnded(issueId: issueId, sessionId: sessionId)
        case .failed(let reason), .stalled(let reason):
            await applyFailure(issueId: issueId, sessionId: sessionId, reason: reason)
        case .stopped:
            break  // Whoever asked for the stop decided (a transition, or the shutdown).
        }
    }

    /// `run_ended` with the tracker standing read, after a refresh, in the same transaction. When
    /// the tracker was asked after the last turn (to decide whether to continue), that answer is
    /// still the latest: no second request.
    private func applyRunEnded(issueId: Int64, sessionId: Int64) async {
        guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) else { return }
        if refreshedSinceTurn.remove(issueId) == nil { await refresh([issue]) }
        let rules = LifecycleRules(workflow: await source.current)
        let now = clock.now()
        do {
            _ = try await store.write { db -> TransitionOutcome? in
                guard let current = try IssueRecord.fetchOne(db, key: issueId) else { return nil }
                let standing = try Reconciler.standing(of: current, rules: rules, db)
                let usage = try BudgetUsage.of(issue: issueId, db)
                return try TransitionStore.apply(
                    .runEnded, to: issueId, in: db, machine: rules.machine, facts: TransitionFacts(standing: standing, usage: usage),
                    payload: ["session": String(sessionId), "standing": standing.rawValue], now: now)
            }
        } catch {
            logger.error("recording the run's end failed", metadata: ["issue_id": "\(issueId)", "error": "\(error)"])
        }
    }

    private func applyFailure(issueId: Int64, sessionId: Int64, reason: String) async {
        guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) else { return }
        _ = try? await apply(
            .runFailed, to: issue, machine: await source.current.machine, payload: ["session": String(sessionId)], error: reason)
    }

    // MARK: - Shutdown

    /// Stops dispatching, stops every live run with a recorded reason, and waits (bounded) for them
    /// to end; their issues move on through `interrupted` so a restart resumes them.
    public func shutDown(timeout: Duration = .seconds(10)) async {
        dispatching = false
        let live = Array(book.runs.keys)
        for issueId in live { perform(changeBook { $0.stop(issueId, reason: "daemon shutdown") }) }
        let deadline = ContinuousClock.now + timeout
        while !book.isEmpty, ContinuousClock.now < deadline {
            let generation = runsChanged.generation
            let signal = runsChanged
            _ = try? await withTimeout(deadline - ContinuousClock.now) { await signal.wait(after: generation) }
        }
        let machine = await source.current.machine
        // A run whose own ending was judged before the stop (it failed or completed first) keeps
        // that ending; only the others are interrupted. One ending per run.
        for id in live where book.runs[id]?.verdict?.isOwnEnding != true {
            guard let issue = try? await store.read({ db in try IssueRecord.fetchOne(db, key: id) }) else { continue }
            _ = try? await apply(.interrupted, to: issue, machine: machine, payload: ["reason": "daemon shutdown"])
        }
        logger.info("shut down", metadata: ["interrupted_runs": "\(live.count)"])
    }
}
