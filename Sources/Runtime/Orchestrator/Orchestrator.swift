public import Foundation
import GRDB
public import Logging
import StateMachine
import WorkflowParser

/// Drives issues through the compiled lifecycle: ticks (retries due, operator commands, stall
/// detection, reconciliation, dispatch), the effects of committed transitions, and agent runs.
///
/// Every lifecycle change goes through ``TransitionStore``; the orchestrator's memory holds only the
/// live runs' handles. Long work (workspace preparation, runs, hooks) runs as child tasks of
/// ``runJobs()``, which the daemon runs in its task group.
public actor Orchestrator {
    public let store: Store
    public let tracker: any Tracker
    public let runner: any AgentRunner
    public let source: WorkflowSource
    public let environment: [String: String]
    let logger: Logger

    /// The runs that are live now, by issue id.
    var liveRuns: [Int64: LiveRun] = [:]
    var dispatching = true
    let jobs: AsyncStream<Job>
    let jobSink: AsyncStream<Job>.Continuation

    struct LiveRun {
        var identifier: String
        var phase: Phase
        var sessionId: Int64
        var control: AgentRunControl
        var lastActivity: Date
        var lastEvent: String?
        var lastMessage: String?
        var dirty = false
    }

    /// A unit of long work, run as a child task of ``runJobs()``.
    struct Job: Sendable {
        var work: @Sendable () async -> Void
    }

    public init(
        store: Store, tracker: any Tracker, runner: any AgentRunner, source: WorkflowSource,
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger = Logger(label: "maestro")
    ) {
        self.store = store
        self.tracker = tracker
        self.runner = runner
        self.source = source
        self.environment = environment.filter { !tracker.secretEnvironmentNames.contains($0.key) }
        self.logger = logger
        (jobs, jobSink) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .unbounded)
    }

    /// Runs queued jobs as child tasks until cancelled.
    public nonisolated func runJobs() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await job.work() }
            }
        }
    }

    func enqueue(_ work: @escaping @Sendable () async -> Void) {
        jobSink.yield(Job(work: work))
    }

    /// The number of live runs.
    public var liveRunCount: Int { liveRuns.count }

    // MARK: - Scheduling

    /// Ticks now, then whenever the store changes, a retry falls due, or the poll interval passes.
    public func runScheduler() async throws {
        while !Task.isCancelled {
            let generation = store.changes.generation
            let wake = try await tick()
            let delay = max(wake.timeIntervalSinceNow, 0.001)
            await Self.wait(for: store.changes, after: generation, upTo: .milliseconds(Int64(delay * 1000)))
        }
    }

    private static func wait(for signal: ChangeSignal, after generation: UInt64, upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(after: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// One pass: reload, retries due, operator commands, stall detection, reconciliation, dispatch.
    /// Returns when the next tick is due at the latest.
    @discardableResult
    public func tick(now: Date = Date()) async throws -> Date {
        let workflow = await reloadWorkflow()
        let machine = workflow.machine
        for issue in try await store.read({ db in try IssueRecord.due(at: now, db) }) {
            _ = try await apply(.retryDue, to: issue, machine: machine, expectedVersion: issue.version)
        }
        try await applyOperatorCommands(machine: machine)
        detectStalls(workflow: workflow, now: now)
        try await flushTelemetry()
        try await reconcileLiveRuns(workflow: workflow)
        if dispatching { try await dispatch(machine: machine) }
        let nextDue = try await store.read { db in try IssueRecord.nextDue(db) }
        let poll = now.addingTimeInterval(Double(workflow.config.pollingIntervalMs) / 1000)
        return min(nextDue ?? poll, poll)
    }

    private func reloadWorkflow() async -> Workflow {
        switch await source.reloadIfChanged() {
        case .applied(let revision):
            logger.info("workflow reloaded", metadata: ["config_revision": "\(revision)"])
        case .rejected(let error):
            logger.error(
                "workflow edit rejected; keeping the last good config",
                metadata: ["errors": "\(error.errors.map { "\($0.line):\($0.column) \($0.message)" })"])
        case .unchanged: break
        }
        return await source.current
    }

    /// Dispatches queued issues in order while global and per-state slots remain.
    private func dispatch(machine: CompiledMachine) async throws {
        let policy = machine.policy
        let claimed = try await store.read { db in try IssueRecord.claimedCounts(agentReview: policy.review == .agent, db) }
        var perState = claimed
        var global = claimed.values.reduce(0, +)
        guard global < policy.maxConcurrentAgents else { return }
        let queued = try await store.read { db in try IssueRecord.inLifecycle(.queued, db) }
        for issue in queued {
            guard global < policy.maxConcurrentAgents else { break }
            let state = normalizedTrackerState(issue.trackerState)
            guard perState[state, default: 0] < policy.maxConcurrentAgentsByState[state] ?? policy.maxConcurrentAgents else {
                continue
            }
            let outcome = try await apply(.dispatch, to: issue, machine: machine, expectedVersion: issue.version)
            if outcome.committed != nil {
                global += 1
                perState[state, default: 0] += 1
            }
        }
    }

    /// Applies operator commands written by the CLI, oldest first.
    private func applyOperatorCommands(machine: CompiledMachine) async throws {
        let pending = try await store.read { db in try OperatorCommandRecord.pending.fetchAll(db) }
        for command in pending {
            let payload = (try? JSONDecoder().decode([String: String].self, from: Data(command.payload.utf8))) ?? [:]
            // The transition and the command's verdict commit together: a crash cannot apply a
            // command twice or lose its verdict.
            let (status, result) = try await store.write { db in
                let outcome = try TransitionStore.apply(
                    command.command, to: command.issueId, in: db, machine: machine,
                    payload: payload.merging(["source": "operator"]) { mine, _ in mine })
                let verdict: (OperatorCommandRecord.Status, String) =
                    switch outcome {
                    case .committed(let committed):
                        (.applied, "\(committed.record.fromState.rawValue) -> \(committed.record.toState.rawValue)")
                    case .rejected(let rejection): (.rejected, "\(rejection.code): \(rejection.message)")
                    case .conflict: (.rejected, "conflict: the issue changed meanwhile")
                    }
                var record = command
                try record.resolve(verdict.0, result: verdict.1, at: Date(), db)
                return verdict
            }
            logger.info(
                "operator command \(status.rawValue)",
                metadata: ["issue_id": "\(command.issueId)", "command": "\(command.command.rawValue)", "result": "\(result)"])
        }
    }

    /// Stops runs that have been silent longer than `codex.stall_timeout_ms` (when positive).
    private func detectStalls(workflow: Workflow, now: Date) {
        let limit = workflow.config.codex.stallTimeoutMs
        guard limit > 0 else { return }
        for (issueId, run) in liveRuns where now.timeIntervalSince(run.lastActivity) * 1000 > Double(limit) {
            logger.warning("run stalled", metadata: ["issue_id": "\(issueId)", "issue_identifier": "\(run.identifier)"])
            run.control.stop(reason: "stalled: no agent activity for \(limit) ms")
        }
    }

    /// Refreshes the tracker standing of issues with live runs: a terminal or ineligible issue stops.
    private func reconcileLiveRuns(workflow: Workflow) async throws {
        guard !liveRuns.isEmpty else { return }
        for id in liveRuns.keys {
            try await applyTrackerStanding(issueId: id, event: .trackerUpdated, workflow: workflow) { $0 != .fitsPhase }
        }
    }

    /// Applies `event` with the issue's standing from a fresh tracker snapshot. The issue is read
    /// before the snapshot and the event applied at that version, so a snapshot older than a change
    /// made meanwhile (an agent moving its own issue) can never undo it; a conflict re-reads.
    @discardableResult
    func applyTrackerStanding(
        issueId: Int64, event: LifecycleEvent, workflow: Workflow, payload: [String: String] = [:],
        when condition: (TrackerStanding) -> Bool = { _ in true }
    ) async throws -> TransitionOutcome? {
        for _ in 0..<3 {
            guard let issue = try await store.read({ db in try IssueRecord.fetchOne(db, key: issueId) }) else { return nil }
            let snapshots: [TrackerIssue]
            do {
                snapshots = try await tracker.fetchIssues(ids: [String(issueId)])
            } catch {
                logger.warning("tracker refresh failed", metadata: ["issue_id": "\(issueId)", "error": "\(error)"])
                return nil
            }
            let standing = Self.standing(of: snapshots.first, issue: issue, workflow: workflow)
            guard condition(standing) else { return nil }
            let outcome = try await apply(
                event, to: issue, machine: workflow.machine, facts: TransitionFacts(standing: standing),
                expectedVersion: issue.version, payload: payload.merging(["standing": standing.rawValue]) { first, _ in first })
            if case .conflict = outcome { continue }
            return outcome
        }
        return nil
    }

    /// The tracker standing of an issue from its snapshot (`nil`: no longer visible). Routable means
    /// the adapter allows dispatch and every required label is present.
    static func standing(of snapshot: TrackerIssue?, issue: IssueRecord, workflow: Workflow) -> TrackerStanding {
        let required = workflow.config.tracker.requiredLabels
        let routable = snapshot.map { $0.dispatchable && Set($0.labels).isSuperset(of: required) } ?? false
        return TrackerStanding.classify(
            TrackerObservation(state: snapshot?.state, routable: routable), state: issue.lifecycleState, phase: issue.phase,
            policy: workflow.machine.policy)
    }

    // MARK: - Applying events

    @discardableResult
    func apply(
        _ event: LifecycleEvent, to issue: IssueRecord, machine: CompiledMachine, facts: TransitionFacts = TransitionFacts(),
        expectedVersion: Int? = nil, payload: [String: String] = [:], error: String? = nil
    ) async throws -> TransitionOutcome {
        let outcome = try await TransitionStore.apply(
            event, to: issue.id ?? 0, in: store, machine: machine, facts: facts, expectedVersion: expectedVersion,
            payload: payload, error: error)
        if let committed = outcome.committed {
            logger.info(
                "transition",
                metadata: [
                    "issue_id": "\(issue.id ?? 0)", "issue_identifier": "\(issue.identifier)", "event": "\(event.rawValue)",
                    "from": "\(committed.record.fromState.rawValue)", "to": "\(committed.record.toState.rawValue)",
                    "seq": "\(committed.record.seq ?? 0)",
                ])
        }
        return outcome
    }
}
