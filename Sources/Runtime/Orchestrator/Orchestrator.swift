public import Foundation
import GRDB
public import Logging
public import Metrics
import StateMachine
public import WorkflowParser

/// Drives issues through the compiled lifecycle: ticks (retries due, operator commands, board
/// changes from other processes, stall checks, reconciliation, dispatch), the effects of committed
/// transitions, and agent runs.
///
/// Every lifecycle change goes through ``TransitionStore`` with the machine of the workflow in force
/// now. The orchestrator's memory holds the live runs (``RunBook``) and their handles. Long work
/// (workspace preparation, runs, hooks) runs as child tasks of ``runJobs()``.
public actor Orchestrator {
    public let store: Store
    /// The daemon's board: tracker facts written through it are reconciled in the same transaction.
    public let board: Board
    public let providers: Providers
    public let runner: any AgentRunner
    /// Checks the agent command before dispatch; `nil` dispatches without a check.
    public let preflight: (any AgentPreflight)?
    public let source: WorkflowSource
    public let clock: any RuntimeClock
    /// The daemon's environment without tracker secrets, for hooks and agents.
    public let environment: [String: String]
    let logger: Logger
    /// Remote trackers' sync progress, shown in the snapshot (written by their sync services).
    public let syncBoard: TrackerSyncBoard
    /// Called at start and after every applied reload, to publish what other processes need.
    let onWorkflow: (@Sendable (Workflow, Int) async -> Void)?

    /// The live runs and the agents' rate limits, where the snapshot reads them without waiting on
    /// this actor.
    let liveRuns = LiveRuns()
    var agentCheck = AgentCheck()
    var controls: [Int64: AgentRunControl] = [:]
    /// Signalled when a run ends; waiters for a run to be gone wait on it.
    let runsChanged = ChangeSignal()
    /// Wakes the scheduler without a store write (a refresh request).
    let wake = ChangeSignal()
    var dispatching = true
    var refreshRequested = false
    /// Live runs that end because a refresh after their last turn said so: the run's end needs no
    /// second request for the same facts.
    var refreshedSinceTurn: Set<Int64> = []
    var nextPoll = Date.distantPast
    var appliedRevision = 0
    /// The last transition logged (`nil` until the log starts, at recovery).
    var transitionLogCursor: Int64?
    /// Ticks run so far; tests read it to prove the daemon idles.
    public private(set) var tickCount = 0
    /// `maestro_tick_duration_seconds`: how long each scheduler pass takes.
    let tickTimer: Metrics.Timer
    let jobs: AsyncStream<Job>
    let jobSink: AsyncStream<Job>.Continuation

    /// A unit of long work, run as a child task of ``runJobs()``.
    struct Job: Sendable {
        var work: @Sendable () async -> Void
    }

    public init(
        board: Board, providers: Providers, runner: any AgentRunner, source: WorkflowSource, clock: any RuntimeClock = SystemClock(),
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger = Logger(label: "maestro"),
        metrics: any MetricsFactory = MetricsSystem.factory, syncBoard: TrackerSyncBoard = TrackerSyncBoard(),
        preflight: (any AgentPreflight)? = nil, onWorkflow: (@Sendable (Workflow, Int) async -> Void)? = nil
    ) {
        self.store = board.store
        self.board = board
        self.providers = providers
        self.runner = runner
        self.preflight = preflight
        self.source = source
        self.clock = clock
        let secrets = Set(providers.secretEnvironmentNames)
        self.environment = environment.filter { !secrets.contains($0.key) }
        self.logger = logger
        self.syncBoard = syncBoard
        self.onWorkflow = onWorkflow
        tickTimer = Metrics.Timer(label: "maestro_tick_duration_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: metrics)
        (jobs, jobSink) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .unbounded)
    }

    /// The daemon's board for a workflow source: facts it writes are judged by the workflow in force.
    public static func daemonBoard(store: Store, source: WorkflowSource, clock: any RuntimeClock = SystemClock()) -> Board {
        Board(store: store, rules: { LifecycleRules(workflow: await source.current) }, clock: clock)
    }

    /// Runs queued jobs as child tasks until cancelled.
    public nonisolated func runJobs() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await job.work() }
            }
        }
    }

    /// A copy of the live runs; ``changeBook(_:)`` changes them.
    var book: RunBook { liveRuns.current.book }

    /// Changes the live runs in place.
    func changeBook<Result: Sendable>(_ change: (inout RunBook) -> Result) -> Result {
        liveRuns.change { change(&$0.book) }
    }

    func enqueue(_ work: @escaping @Sendable () async -> Void) {
        jobSink.yield(Job(work: work))
    }

    /// The number of live runs.
    public var liveRunCount: Int { book.runs.count }

    // MARK: - Scheduling

    /// Ticks now, then whenever the store changes, a retry or a stall check falls due, a refresh is
    /// asked for, or the poll interval passes.
    public func runScheduler() async throws {
        while !Task.isCancelled {
            let changes = store.changes.generation
            let woken = wake.generation
            let next = try await tick()
            await Self.wait(store.changes, after: changes, or: wake, after: woken, until: next, clock: clock)
        }
    }

    private static func wait(
        _ changes: ChangeSignal, after changed: UInt64, or wake: ChangeSignal, after woken: UInt64, until deadline: Date,
        clock: any RuntimeClock
    ) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await changes.wait(after: changed) }
            group.addTask { await wake.wait(after: woken) }
            group.addTask { try? await clock.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
    }

    /// One pass: reload, retries due, operator commands, board changes, stalls, telemetry,
    /// reconciliation on poll, dispatch. Returns when the next tick is due at the latest.
    @discardableResult
    public func tick() async throws -> Date {
        tickCount += 1
        let started = ContinuousClock.now
        defer { tickTimer.record(duration: ContinuousClock.now - started) }
        let workflow = await reloadWorkflow()
        let rules = LifecycleRules(workflow: workflow)
        let now = clock.now()
        for issue in try await store.read({ db in try IssueRecord.due(at: now, db) }) {
            _ = try await apply(.retryDue, to: issue, machine: rules.machine, expectedVersion: issue.version)
        }
        try await applyOperatorCommands(machine: rules.machine)
        let reconciled = try await Reconciler.catchUp(store: store, rules: rules, now: clock.now())
        if reconciled > 0 { logger.debug("reconciled board changes", metadata: ["transitions": "\(reconciled)"]) }
        try await stopRunsOfVanishedIssues()
        perform(changeBook { $0.stopStalled(at: clock.now(), limitMs: workflow.config.codex.stallTimeoutMs) })
        try await flushTelemetry()
        let interval = Double(workflow.config.pollingIntervalMs) / 1000
        if refreshRequested || clock.now() >= nextPoll {
            refreshRequested = false
            nextPoll = clock.now().addingTimeInterval(interval)
            await reconcileLiveRuns(rules: rules)
        }
        checkAgentIfDue(workflow)
        if dispatching, agentWorks { try await dispatch(rules: rules) }
        let nextDue = try await store.read { db in try IssueRecord.nextDue(db) }
        return [nextDue, nextPoll, book.nextStall(limitMs: workflow.config.codex.stallTimeoutMs)].compactMap { $0 }.min() ?? nextPoll
    }

    /// The workflow in force, after applying a changed file; a reload re-judges every issue.
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
        let workflow = await source.current
        let revision = await source.revision
        if revision != appliedRevision {
            appliedRevision = revision
            await onWorkflow?(workflow, revision)
            do {
                let count = try await Reconciler.reconcileAll(store: store, rules: LifecycleRules(workflow: workflow), now: clock.now())
                if count > 0 { logger.info("issues re-judged under the workflow", metadata: ["transitions": "\(count)"]) }
            } catch {
                logger.error("re-judging issues failed", metadata: ["error": "\(error)"])
            }
        }
        return workflow
    }

    /// Stops live runs whose issue row is gone (deleted by a writer that did not stop them first).
    /// Their slots stay taken until their processes are gone.
    private func stopRunsOfVanishedIssues() async throws {
        let ids = Array(book.runs.keys)
        guard !ids.isEmpty else { return }
        let present = Set(try await store.read { db in try Int64.fetchAll(db, IssueRecord.filter(keys: ids).select(Column("id"))) })
        for id in ids where !present.contains(id) {
            let actions = changeBook { $0.stop(id, reason: "issue deleted") }
            if !actions.isEmpty {
                logger.warning(
                    "issue deleted during its run; stopping the agent",
                    metadata: ["issue_id": "\(id)", "issue_identifier": "\(book.runs[id]?.identifier ?? "?")"])
            }
            perform(actions)
        }
    }

    /// Whether the agent of the workflow in force passed its check (always, without a preflight).
    var agentWorks: Bool { preflight == nil || agentCheck.mayDispatch(revision: appliedRevision) }

    /// Starts a check of the agent command when the workflow in force was not checked yet, or when
    /// a broken one is due for another look (every poll interval).
    private func checkAgentIfDue(_ workflow: Workflow) {
        guard let preflight, agentCheck.shouldCheck(revision: appliedRevision, at: clock.now()) else { return }
        let revision = appliedRevision
        let environment = agentEnvironment
        enqueue {
            let problem = await preflight.check(workflow, environment: environment)
            await self.agentChecked(revision: revision, problem: problem, workflow: workflow)
        }
    }

    private func agentChecked(revision: Int, problem: String?, workflow: Workflow) {
        let interval = Double(workflow.config.pollingIntervalMs) / 1000
        switch agentCheck.finished(revision: revision, problem: problem, at: clock.now(), recheckAfter: interval) {
        case .broken(let problem):
            logger.warning(
                "codex.command does not work: \(problem). Fix codex.command in \(source.path) (the daemon reloads it); no issue is dispatched until it works",
                metadata: ["config_revision": "\(revision)"])
        case .works:
            logger.notice("codex.command works; dispatching", metadata: ["config_revision": "\(revision)"])
        case nil: break
        }
        wake.notify()
    }

    /// Asks for a poll and reconciliation at once; requests made while one is pending coalesce.
    public func requestRefresh() -> Bool {
        let coalesced = refreshRequested
        refreshRequested = true
        wake.notify()
        return coalesced
    }

    /// Dispatches queued issues in order while global and per-state slots remain. Each dispatch
    /// carries the slot and the tracker standing read in its own transaction, and the machine
    /// decides.
    private func dispatch(rules: LifecycleRules) async throws {
        let policy = rules.machine.policy
        let claimed = try await store.read { db in try IssueRecord.claimed(agentReview: policy.review == .agent, db) }
        // A run holds its slot until its process is gone, whatever its row says meanwhile.
        var perState = book.slots(claimed: claimed)
        var global = perState.values.reduce(0, +)
        guard global < policy.maxConcurrentAgents else { return }
        var queued = try await store.read { db in try IssueRecord.inLifecycle(.queued, db) }[...]
        // The candidates that fit the free slots are refreshed together (one request per tracker),
        // each dispatch then judges its own transaction's facts; candidates a refusal leaves room
        // for are refreshed in a further round.
        while global < policy.maxConcurrentAgents, !queued.isEmpty {
            var round: [IssueRecord] = []
            var planned = perState
            var plannedGlobal = global
            while plannedGlobal < policy.maxConcurrentAgents, let issue = queued.popFirst() {
                let state = normalizedTrackerState(issue.trackerState)
                guard planned[state, default: 0] < policy.maxConcurrentAgentsByState[state] ?? policy.maxConcurrentAgents else {
                    continue
                }
                planned[state, default: 0] += 1
                plannedGlobal += 1
                round.append(issue)
            }
            guard !round.isEmpty else { break }
            await refresh(round)
            for issue in round {
                let state = normalizedTrackerState(issue.trackerState)
                guard global < policy.maxConcurrentAgents,
                    perState[state, default: 0] < policy.maxConcurrentAgentsByState[state] ?? policy.maxConcurrentAgents
                else { continue }
                if try await dispatch(issue, rules: rules) {
                    global += 1
                    perState[state, default: 0] += 1
                }
            }
        }
    }

    /// Applies `dispatch` to one candidate with the standing and budget usage read in the same
    /// transaction; returns whether it took a slot.
    private func dispatch(_ issue: IssueRecord, rules: LifecycleRules) async throws -> Bool {
        let now = clock.now()
        let outcome = try await store.write { db -> TransitionOutcome in
            guard let current = try IssueRecord.fetchOne(db, key: issue.id) else {
                return .conflict(expected: issue.version, actual: -1)
            }
            let standing = try Reconciler.standing(of: current, rules: rules, db)
            let usage = try BudgetUsage.of(issue: issue.id ?? 0, db)
            return try TransitionStore.apply(
                .dispatch, to: issue.id ?? 0, in: db, machine: rules.machine,
                facts: TransitionFacts(standing: standing, slotAvailable: true, usage: usage), expectedVersion: issue.version,
                payload: ["standing": standing.rawValue], now: now)
        }
        // A dispatch the budget turns into `blocked` takes no slot.
        return outcome.committed?.record.toState == .workspace
    }

    /// Applies operator commands written by any process, oldest first.
    private func applyOperatorCommands(machine: CompiledMachine) async throws {
        let pending = try await store.read { db in try OperatorCommandRecord.pending.fetchAll(db) }
        let now = clock.now()
        for command in pending {
            let payload = (try? JSONDecoder().decode([String: String].self, from: Data(command.payload.utf8))) ?? [:]
            // The transition and the command's verdict commit together: a crash cannot apply a
            // command twice or lose its verdict.
            let outcome = try await store.write { db -> TransitionOutcome in
                let outcome = try TransitionStore.apply(command.command, to: command.issueId, in: db, machine: machine, payload: payload, now: now)
                var record = command
                switch outcome {
                case .committed(let committed):
                    try record.resolve(.applied, result: ["seq": String(committed.record.seq ?? 0)], at: now, db)
                case .rejected(let rejection):
                    let message = OperatorCommand.inOperatorWords(rejection.message, event: command.command)
                    try record.resolve(.rejected, result: ["code": rejection.code, "message": message], at: now, db)
                case .conflict:
                    try record.resolve(.rejected, result: ["code": "conflict", "message": "the issue changed meanwhile; try again"], at: now, db)
                }
                return outcome
            }
            if outcome.committed == nil {
                logger.info(
                    "operator command rejected",
                    metadata: [
                        "issue_id": "\(command.issueId)", "command": "\(OperatorCommand.naming(command.command))",
                        "reason": "\(Self.reason(of: outcome, command: command.command))",
                    ])
            }
        }
    }

    /// Why a command changed nothing, in the operator's words.
    static func reason(of outcome: TransitionOutcome, command event: LifecycleEvent) -> String {
        switch outcome {
        case .rejected(let rejection): "\(OperatorCommand.inOperatorWords(rejection.message, event: event)) [\(rejection.code)]"
        case .conflict: "the issue changed meanwhile [conflict]"
        case .committed: "applied"
        }
    }

    /// Brings remote trackers' copies of these issues up to date, one request per provider. A
    /// failure keeps the last good copy.
    func refresh(_ issues: [IssueRecord]) async {
        guard !issues.isEmpty else { return }
        let refs: [(String, IssueRef)]
        do {
            refs = try await store.read { db in
                let projects = Dictionary(uniqueKeysWithValues: try ProjectRecord.fetchAll(db).map { ($0.id ?? 0, $0) })
                return issues.compactMap { issue in
                    guard let project = projects[issue.projectId] else { return nil }
                    return (
                        project.provider,
                        IssueRef(identifier: issue.identifier, externalId: issue.externalId ?? issue.identifier, project: project.key)
                    )
                }
            }
        } catch {
            return logger.warning("tracker refresh skipped", metadata: ["error": "\(error)"])
        }
        for (kind, group) in Dictionary(grouping: refs, by: \.0) {
            do {
                try await providers.provider(kind).refresh(group.map(\.1))
            } catch {
                logger.warning("tracker refresh failed; keeping the last good copy", metadata: ["tracker": "\(kind)", "error": "\(error)"])
            }
        }
    }

    /// Re-judges the issues of live runs after refreshing them: a terminal or ineligible issue stops.
    private func reconcileLiveRuns(rules: LifecycleRules) async {
        let ids = Array(book.runs.keys)
        guard !ids.isEmpty else { return }
        do {
            let issues = try await store.read { db in try IssueRecord.filter(keys: ids).fetchAll(db) }
            await refresh(issues)
            let now = clock.now()
            try await store.write { db in
                // A run outlives its issue's cancel or release while its agent exits; judging that
                // issue's active tracker state now would queue it again and undo the operator.
                let live = try IssueRecord.possiblyLive(among: ids, db).compactMap(\.id)
                try Reconciler.reconcile(live, rules: rules, now: now, db, origin: "reconcile")
            }
        } catch {
            logger.warning("reconciling live runs failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Applying events

    @discardableResult
    func apply(
        _ event: LifecycleEvent, to issue: IssueRecord, machine: CompiledMachine, facts: TransitionFacts = TransitionFacts(),
        expectedVersion: Int? = nil, payload: [String: String] = [:], error: String? = nil
    ) async throws -> TransitionOutcome {
        let outcome = try await TransitionStore.apply(
            event, to: issue.id ?? 0, in: store, machine: machine, facts: facts, expectedVersion: expectedVersion,
            payload: payload, error: error, now: clock.now())
        return outcome
    }

    // MARK: - The transition log, in words

    /// Logs every transition committed since the last call, once, in log order, whoever committed
    /// it (this daemon, a CLI process, an agent's tool through the board).
    public func logNewTransitions() async {
        while let after = transitionLogCursor {
            guard let batch = try? await store.read({ db in try TransitionRecord.after(after, limit: 256).fetchAll(db) }), !batch.isEmpty
            else { return }
            // Another call may have logged some meanwhile (the actor is re-entered at the read):
            // log only what is still new, and move the cursor in the same step.
            for record in batch where (record.seq ?? 0) > (transitionLogCursor ?? 0) {
                logger.log(
                    level: TransitionWords.level(record), "\(TransitionWords.sentence(record))",
                    metadata: [
                        "issue_id": "\(record.issueId)", "issue_identifier": "\(record.identifier)", "event": "\(record.event.rawValue)",
                        "from": "\(record.fromState.rawValue)", "to": "\(record.toState.rawValue)", "seq": "\(record.seq ?? 0)",
                    ])
                transitionLogCursor = record.seq
            }
            if batch.count < 256 { return }
        }
    }

    /// Follows the transition log until cancelled, logging each transition as it commits.
    public nonisolated func logTransitions() async {
        while !Task.isCancelled {
            let generation = store.changes.generation
            await logNewTransitions()
            await store.changes.wait(after: generation)
        }
    }

    /// Where the transition log starts: what was committed before this daemon started is history.
    func startTransitionLog() async {
        guard transitionLogCursor == nil else { return }
        transitionLogCursor =
            (try? await store.read { db in try Int64.fetchOne(db, sql: #"SELECT COALESCE(MAX(seq), 0) FROM "transition""#) }) ?? 0
    }
}
