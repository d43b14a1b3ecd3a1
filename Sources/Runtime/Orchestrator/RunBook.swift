import Foundation
import StateMachine

/// The orchestrator's bookkeeping of live runs, as a value: no I/O and no clock. Every method takes
/// the time where it matters and returns the actions the orchestrator carries out, so each rule
/// (a waiting run never stalls, an answer restarts the stall clock, a workspace is removed only
/// after its run is gone) is tested on the value alone.
struct RunBook: Sendable, Hashable {
    struct Run: Sendable, Hashable {
        var identifier: String
        var phase: Phase
        /// The issue's tracker state (normalized) when the run started: the per-state slot it holds
        /// while its row no longer says so (the issue was released, cancelled or deleted and the
        /// agent is still exiting).
        var trackerState = ""
        var sessionId: Int64?
        var startedAt: Date
        /// The last sign of life: agent output, or the moment an operator answered.
        var lastActivity: Date
        var lastEvent: String?
        var lastEventAt: Date?
        var lastMessage: String?
        var threadId: String?
        var turnCount = 0
        var tokens = TokenCounts()
        /// Requests waiting for an operator, oldest first. While one waits the run is blocked on a
        /// person, and the time it waits is not silence.
        var awaiting: [String] = []
        var stopReason: String?
        /// How the run ended, judged once (``conclude(_:_:)``); later stop requests change nothing.
        var verdict: Verdict?
        /// Telemetry not yet written to the session row.
        var dirty = false
        /// Work that must wait until the run is gone.
        var afterEnd: [AfterEnd] = []
    }

    /// What a run's end means for its issue, decided once.
    enum Verdict: Sendable, Hashable {
        /// The run completed `turns` turns: `run_ended` with the tracker standing.
        case completed(turns: Int)
        /// The run failed: `run_failed` with the reason.
        case failed(String)
        /// The run was stopped for its silence: `run_failed` with the stop's reason.
        case stalled(String)
        /// A stop was asked for before the run ended: the transition (or the shutdown) that asked
        /// for it decided, and the run's own ending is not applied.
        case stopped(String)

        /// Whether the run's own ending is applied (not a stop someone else decided).
        var isOwnEnding: Bool {
            if case .stopped = self { false } else { true }
        }
    }

    enum AfterEnd: Sendable, Hashable {
        case removeWorkspace
    }

    enum Action: Sendable, Hashable {
        /// Ask the run's agent to stop.
        case stop(issueId: Int64, reason: String)
        /// Hand an operator's answer to the run.
        case deliver(issueId: Int64, answer: AgentAnswer)
        /// The answered run still waits on another request: block the issue again for it.
        case reblock(issueId: Int64, requestId: String)
        /// Delete the issue's workspace (its run, if any, is gone).
        case removeWorkspace(issueId: Int64)
    }

    private(set) var runs: [Int64: Run] = [:]

    var isEmpty: Bool { runs.isEmpty }

    /// Registers a run. Returns false, changing nothing, while a run of the issue is still live.
    mutating func register(_ issueId: Int64, identifier: String, phase: Phase, trackerState: String = "", at now: Date) -> Bool {
        guard runs[issueId] == nil else { return false }
        runs[issueId] = Run(
            identifier: identifier, phase: phase, trackerState: normalizedTrackerState(trackerState), startedAt: now, lastActivity: now)
        return true
    }

    mutating func started(_ issueId: Int64, sessionId: Int64) {
        runs[issueId]?.sessionId = sessionId
    }

    /// Records a report. Any report is a sign of life.
    mutating func record(_ report: AgentRunReport, for issueId: Int64, at now: Date) {
        guard var run = runs[issueId] else { return }
        run.lastActivity = now
        switch report {
        case .activity(let event, let message):
            run.lastEvent = event
            run.lastEventAt = now
            if let message { run.lastMessage = String(message.prefix(500)) }
            run.dirty = true
        case .threadStarted(let thread): run.threadId = thread
        case .turnStarted(let turn): run.turnCount = turn
        case .tokens(let counts): run.tokens = counts
        case .inputRequired(let request):
            if !run.awaiting.contains(request.id) { run.awaiting.append(request.id) }
        case .requestResolved(let id): run.awaiting.removeAll { $0 == id }
        case .processStarted, .rateLimits, .diagnostic: break
        }
        runs[issueId] = run
    }

    /// An operator answered: the answer goes to the run, the stall clock restarts now, and a run
    /// that still waits on another request is blocked again for it.
    mutating func answer(_ answer: AgentAnswer, for issueId: Int64, at now: Date) -> [Action] {
        guard var run = runs[issueId], run.stopReason == nil else { return [] }
        run.awaiting.removeAll { $0 == answer.requestId }
        run.lastActivity = now
        runs[issueId] = run
        var actions: [Action] = [.deliver(issueId: issueId, answer: answer)]
        if let next = run.awaiting.first { actions.append(.reblock(issueId: issueId, requestId: next)) }
        return actions
    }

    /// Asks a live run to stop; the first reason wins and a second request does nothing, as does a
    /// request after the run's ending was judged.
    mutating func stop(_ issueId: Int64, reason: String) -> [Action] {
        guard let run = runs[issueId], run.stopReason == nil, run.verdict == nil else { return [] }
        runs[issueId]?.stopReason = reason
        return [.stop(issueId: issueId, reason: reason)]
    }

    /// Work that must not overlap the issue's run: done now when no run is live, else when it ends.
    mutating func afterEnd(_ issueId: Int64, _ work: AfterEnd) -> [Action] {
        guard runs[issueId] != nil else { return [Self.action(for: work, issueId)] }
        if runs[issueId]?.afterEnd.contains(work) == false { runs[issueId]?.afterEnd.append(work) }
        return []
    }

    /// Judges the run's ending, once: a stop asked for before the run ended wins (a stall is a
    /// failure to retry; any other stop was decided by whoever asked), else the run's own ending.
    /// A run that failed while the daemon was shutting it down is interrupted, never also failed.
    mutating func conclude(_ issueId: Int64, _ ending: AgentRunEnding) -> Verdict {
        if let verdict = runs[issueId]?.verdict { return verdict }
        let verdict: Verdict
        switch (runs[issueId]?.stopReason, ending) {
        case (let reason?, _) where reason.hasPrefix("stalled"): verdict = .stalled(reason)
        case (let reason?, _): verdict = .stopped(reason)
        case (nil, .completed(let turns)): verdict = .completed(turns: turns)
        case (nil, .failed(let reason)): verdict = .failed(reason)
        case (nil, .stopped): verdict = .stopped("requested")
        }
        runs[issueId]?.verdict = verdict
        return verdict
    }

    /// Slots held per tracker state: `claimed` (issue id → normalized tracker state, from the
    /// store) plus every live run the store no longer counts. A slot frees only when its run is
    /// gone, not when its row changes or disappears.
    func slots(claimed: [Int64: String]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (_, state) in claimed { counts[state, default: 0] += 1 }
        for (issueId, run) in runs where claimed[issueId] == nil { counts[run.trackerState, default: 0] += 1 }
        return counts
    }

    /// The run is gone (its process exited, its session closed): returns the work that waited.
    mutating func ended(_ issueId: Int64) -> [Action] {
        guard let run = runs.removeValue(forKey: issueId) else { return [] }
        return run.afterEnd.map { Self.action(for: $0, issueId) }
    }

    private static func action(for work: AfterEnd, _ issueId: Int64) -> Action {
        switch work {
        case .removeWorkspace: .removeWorkspace(issueId: issueId)
        }
    }

    /// Stops runs silent for longer than `limitMs` (when positive). A run waiting on an operator is
    /// not silent, and a run already stopping is left alone.
    mutating func stopStalled(at now: Date, limitMs: Int) -> [Action] {
        guard limitMs > 0 else { return [] }
        var actions: [Action] = []
        for (issueId, run) in runs.sorted(by: { $0.key < $1.key })
        where run.awaiting.isEmpty && run.stopReason == nil && run.verdict == nil && now.timeIntervalSince(run.lastActivity) * 1000 > Double(limitMs)
        {
            actions += stop(issueId, reason: "stalled: no agent activity for \(limitMs) ms")
        }
        return actions
    }

    /// When the next run would stall, if nothing happens meanwhile.
    func nextStall(limitMs: Int) -> Date? {
        guard limitMs > 0 else { return nil }
        return runs.values.filter { $0.awaiting.isEmpty && $0.stopReason == nil && $0.verdict == nil }.map(\.lastActivity).min()
            .map { $0.addingTimeInterval(Double(limitMs) / 1000 + 0.001) }
    }

    /// The runs with telemetry not yet written, marked written.
    mutating func takeDirty() -> [Run] {
        var dirty: [Run] = []
        for (issueId, run) in runs where run.dirty {
            dirty.append(run)
            runs[issueId]?.dirty = false
        }
        return dirty
    }
}
