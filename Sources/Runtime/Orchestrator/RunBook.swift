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
        /// Telemetry not yet written to the session row.
        var dirty = false
        /// Work that must wait until the run is gone.
        var afterEnd: [AfterEnd] = []
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
    mutating func register(_ issueId: Int64, identifier: String, phase: Phase, at now: Date) -> Bool {
        guard runs[issueId] == nil else { return false }
        runs[issueId] = Run(identifier: identifier, phase: phase, startedAt: now, lastActivity: now)
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

    /// Asks a live run to stop; the first reason wins and a second request does nothing.
    mutating func stop(_ issueId: Int64, reason: String) -> [Action] {
        guard runs[issueId] != nil, runs[issueId]?.stopReason == nil else { return [] }
        runs[issueId]?.stopReason = reason
        return [.stop(issueId: issueId, reason: reason)]
    }

    /// Work that must not overlap the issue's run: done now when no run is live, else when it ends.
    mutating func afterEnd(_ issueId: Int64, _ work: AfterEnd) -> [Action] {
        guard runs[issueId] != nil else { return [Self.action(for: work, issueId)] }
        if runs[issueId]?.afterEnd.contains(work) == false { runs[issueId]?.afterEnd.append(work) }
        return []
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
        where run.awaiting.isEmpty && run.stopReason == nil && now.timeIntervalSince(run.lastActivity) * 1000 > Double(limitMs) {
            actions += stop(issueId, reason: "stalled: no agent activity for \(limitMs) ms")
        }
        return actions
    }

    /// When the next run would stall, if nothing happens meanwhile.
    func nextStall(limitMs: Int) -> Date? {
        guard limitMs > 0 else { return nil }
        return runs.values.filter { $0.awaiting.isEmpty && $0.stopReason == nil }.map(\.lastActivity).min()
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
