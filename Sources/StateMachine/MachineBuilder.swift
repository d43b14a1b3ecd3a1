/// Builds the transitions and rejection rules for one policy. Kept apart from ``CompiledMachine`` so
/// the shape of the lifecycle reads top to bottom in one place.
struct MachineBuilder {
    let policy: MachinePolicy
    private(set) var transitions: [Transition] = []
    private(set) var rejections: [RejectionRule] = []

    init(policy: MachinePolicy) {
        self.policy = policy
    }

    /// States in which an agent run may be live.
    var runStates: [LifecycleState] { policy.agentPhases.map(\.runState) }

    mutating func build() {
        buildDispatchAndWorkspace()
        buildRuns()
        buildTrackerUpdates()
        buildOperatorCommands()
    }

    // MARK: - Dispatch and workspace

    private mutating func buildDispatchAndWorkspace() {
        let claim: [Effect] = policy.trackerStates.claimed == nil ? [] : [.claimInTracker]
        // Dispatch carries the tracker standing the daemon read in the same transaction, so the
        // machine itself re-checks eligibility instead of trusting the caller's choice.
        add(.queued, .dispatch, [.tracker(.fitsPhase), .slotAvailable] + budget(.budgetLeft), .workspace, claim + [.prepareWorkspace])
        if policy.budget.isLimited {
            // A spent budget blocks the issue instead of starting yet another run.
            add(.queued, .dispatch, [.tracker(.fitsPhase), .budgetExhausted], .blocked, [.recordBlock(.budgetExhausted)])
        }
        rejectWhen(.queued, .dispatch, [.tracker(.fitsPhase)], "no_available_slot", "no global or per-state slot is free")
        reject(.queued, .dispatch, "not_eligible", "the tracker standing no longer makes the issue eligible for dispatch")
        for phase in policy.agentPhases {
            add(.workspace, .workspaceReady, [.phase(phase)], phase.runState, [.startRun(phase)])
        }
        add(.workspace, .workspaceFailed, [.retriesLeft], .retrying, [.scheduleRetry])
        add(.workspace, .workspaceFailed, [.retriesExhausted], .blocked, [.recordBlock(.retriesExhausted)])
        add(.retrying, .retryDue, [], .queued, [])
    }

    // MARK: - Agent runs

    private mutating func buildRuns() {
        for state in runStates {
            for standing in possibleStandings where standing != movedTo(state) {
                guard let (target, effects) = runEndRoute(from: state, standing: standing) else { continue }
                // A run end that starts another run right away (a phase change) minds the budget too.
                let startsRun = effects.contains { if case .startRun = $0 { true } else { false } }
                add(state, .runEnded, [.tracker(standing)] + (startsRun ? budget(.budgetLeft) : []), target, effects)
                if startsRun, policy.budget.isLimited {
                    let phase = effects.compactMap { if case .enterPhase(let phase) = $0 { phase } else { nil } }
                    add(
                        state, .runEnded, [.tracker(standing), .budgetExhausted], .blocked,
                        phase.map { .enterPhase($0) } + [.recordBlock(.budgetExhausted)])
                }
            }
            add(state, .runFailed, [.retriesLeft], .retrying, [.stopRun, .scheduleRetry])
            add(state, .runFailed, [.retriesExhausted], .blocked, [.stopRun, .recordBlock(.retriesExhausted)])
            add(state, .inputRequired, [], .blocked, [.recordBlock(.inputRequired)])
            add(state, .interrupted, [], .queued, [])
        }
        for phase in policy.agentPhases {
            add(.blocked, .operatorAnswered, [.blockedOn(.inputRequired), .phase(phase)], phase.runState, [.deliverAnswer])
        }
        reject(.blocked, .operatorAnswered, "not_awaiting_answer", "the issue is not waiting for an answer")
        add(.workspace, .interrupted, [], .queued, [])
        add(.blocked, .interrupted, [.blockedOn(.inputRequired)], .queued, [])
        reject(.blocked, .interrupted, "no_live_run", "the blocked issue had no live run")
    }

    /// The standing that cannot occur in a run state: moving to the phase it already runs.
    private func movedTo(_ state: LifecycleState) -> TrackerStanding? {
        switch state {
        case .running: .movedToActive
        case .review: .movedToReview
        case .done: .movedToDone
        default: nil
        }
    }

    /// Where a normal run end leads, by the refreshed tracker standing.
    private func runEndRoute(from state: LifecycleState, standing: TrackerStanding) -> (LifecycleState, [Effect])? {
        switch standing {
        case .fitsPhase:
            switch state {
            case .running: return (.retrying, [.scheduleContinuation])
            case .review: return (.blocked, [.recordBlock(.reviewUndecided)])
            default: return (.closed, [.removeWorkspace])
            }
        case .movedToActive:
            return (.running, [.enterPhase(.implementation), .startRun(.implementation)])
        case .movedToReview:
            let start: [Effect] = policy.review == .agent ? [.startRun(.review)] : []
            return (.review, [.enterPhase(.review)] + start)
        case .movedToDone:
            return (.done, [.enterPhase(.done), .startRun(.done)])
        case .unroutable, .inactive:
            return (.released, [])
        case .terminal:
            return (.closed, [.removeWorkspace])
        }
    }

    // MARK: - Tracker updates

    private mutating func buildTrackerUpdates() {
        let unchanged = ("tracker_unchanged", "the tracker standing asks for no lifecycle change")
        for state in [LifecycleState.queued, .retrying, .blocked, .workspace] {
            let stop: [Effect] = mayHaveLiveRun(state) ? [.stopRun] : []
            for standing in possibleStandings where standing != .fitsPhase && occurs(standing, amid: policy.agentPhases) {
                if let (target, effects) = waitingRoute(standing) {
                    add(state, .trackerUpdated, [.tracker(standing)], target, stop + effects)
                }
            }
            reject(state, .trackerUpdated, unchanged.0, unchanged.1)
        }
        if policy.review == .human {
            for standing in possibleStandings where standing != .fitsPhase {
                if let (target, effects) = waitingRoute(standing) {
                    add(.review, .trackerUpdated, [.tracker(standing)], target, effects)
                }
            }
            reject(.review, .trackerUpdated, unchanged.0, unchanged.1)
        }
        for state in runStates {
            add(state, .trackerUpdated, [.tracker(.terminal)], .closed, [.stopRun, .removeWorkspace])
            add(state, .trackerUpdated, [.tracker(.unroutable)], .released, [.stopRun])
            add(state, .trackerUpdated, [.tracker(.inactive)], .released, [.stopRun])
            rejectWhen(state, .trackerUpdated, [.tracker(.fitsPhase)], unchanged.0, unchanged.1)
            reject(
                state, .trackerUpdated, "decided_at_run_end",
                "the run ends at its next turn boundary and run_ended routes the issue")
        }
        for phase in enabledPhases {
            add(.released, .trackerUpdated, [.tracker(.fitsPhase), .phase(phase)], requeueTarget(phase), [])
        }
        for standing in possibleStandings
        where ![.fitsPhase, .unroutable, .inactive].contains(standing) && occurs(standing, amid: enabledPhases) {
            if let (target, effects) = waitingRoute(standing) {
                add(.released, .trackerUpdated, [.tracker(standing)], target, effects)
            }
        }
        reject(.released, .trackerUpdated, unchanged.0, unchanged.1)
        add(.closed, .trackerUpdated, [.tracker(.movedToActive)], .queued, [.enterPhase(.implementation)])
        reject(
            .closed, .trackerUpdated, "closed_until_reactivated",
            "a closed issue reopens only when the tracker moves it to an active state")
    }

    /// Where a tracker change leads an issue that has no live run.
    private func waitingRoute(_ standing: TrackerStanding) -> (LifecycleState, [Effect])? {
        switch standing {
        case .fitsPhase: return nil
        case .movedToActive: return (.queued, [.enterPhase(.implementation)])
        case .movedToReview: return (policy.review == .agent ? .queued : .review, [.enterPhase(.review)])
        case .movedToDone: return (.queued, [.enterPhase(.done)])
        case .unroutable, .inactive: return (.released, [])
        case .terminal: return (.closed, [.removeWorkspace])
        }
    }

    // MARK: - Operator commands

    private mutating func buildOperatorCommands() {
        let pausable: [LifecycleState] = [.queued, .retrying, .workspace] + runStates
        for state in pausable {
            let stop: [Effect] = mayHaveLiveRun(state) ? [.stopRun] : []
            add(state, .pause, [], .blocked, stop + [.recordBlock(.paused)])
        }
        reject(.blocked, .pause, "already_blocked", "the issue is already blocked")
        add(.blocked, .resume, [.blockedOn(.paused)], .queued, [])
        reject(.blocked, .resume, "not_paused", "only a paused issue resumes")

        var cancellable: [LifecycleState] = [.queued, .retrying, .workspace, .blocked] + runStates
        if policy.review == .human { cancellable.append(.review) }
        for state in cancellable {
            add(state, .cancel, [], .released, mayHaveLiveRun(state) ? [.stopRun] : [])
        }

        add(.retrying, .retryNow, [], .queued, [])
        for phase in enabledPhases {
            add(.released, .retryNow, [.phase(phase)], requeueTarget(phase), [])
        }
        add(.blocked, .retryNow, [.blockedOn(.retriesExhausted)], .queued, [.resetRetries])
        if policy.budget.isLimited {
            add(.blocked, .retryNow, [.blockedOn(.budgetExhausted)], .queued, [.resetBudget])
        }
        if policy.review == .agent {
            add(.blocked, .retryNow, [.blockedOn(.reviewUndecided)], .queued, [])
        }
        reject(.blocked, .retryNow, "not_retryable", "answer or resume this blocked issue instead")
    }

    // MARK: - Helpers

    /// `condition` when the policy limits the budget; nothing otherwise.
    private func budget(_ condition: GuardCondition) -> [GuardCondition] {
        policy.budget.isLimited ? [condition] : []
    }

    /// A run may be live while preparing, while a run state lasts, and while blocked on input.
    private func mayHaveLiveRun(_ state: LifecycleState) -> Bool {
        state == .workspace || state == .blocked || runStates.contains(state)
    }

    /// A released issue returns to the queue, or, in a human review, to waiting for the human.
    private func requeueTarget(_ phase: Phase) -> LifecycleState {
        phase == .review && policy.review == .human ? .review : .queued
    }

    /// Whether a "moved to" standing can occur for an issue whose phase is one of `phases`.
    private func occurs(_ standing: TrackerStanding, amid phases: [Phase]) -> Bool {
        switch standing {
        case .movedToActive: phases.contains { $0 != .implementation }
        case .movedToReview: phases.contains { $0 != .review }
        case .movedToDone: phases.contains { $0 != .done }
        default: true
        }
    }

    /// Phases an issue can record: the agent phases plus a human review.
    var enabledPhases: [Phase] {
        policy.review == .human ? policy.agentPhases + [.review] : policy.agentPhases
    }

    /// Standings ``TrackerStanding/classify(_:state:phase:policy:)`` can produce under this policy.
    var possibleStandings: [TrackerStanding] {
        TrackerStanding.allCases.filter { standing in
            switch standing {
            case .movedToReview: policy.review != .off
            case .movedToDone: policy.donePhase
            default: true
            }
        }
    }

    private mutating func add(
        _ from: LifecycleState, _ event: LifecycleEvent, _ guards: [GuardCondition], _ to: LifecycleState,
        _ effects: [Effect]
    ) {
        transitions.append(Transition(from: from, event: event, guards: guards, to: to, effects: effects))
    }

    /// Documents the rejection of every context no transition of the pair takes.
    private mutating func reject(_ state: LifecycleState, _ event: LifecycleEvent, _ code: String, _ message: String) {
        rejectWhen(state, event, [], code, message)
    }

    private mutating func rejectWhen(
        _ state: LifecycleState, _ event: LifecycleEvent, _ guards: [GuardCondition], _ code: String,
        _ message: String
    ) {
        rejections.append(RejectionRule(state: state, event: event, guards: guards, code: code, message: message))
    }
}

/// A documented reason an event is rejected in a state; empty guards mean "otherwise".
public struct RejectionRule: Sendable, Hashable {
    public var state: LifecycleState
    public var event: LifecycleEvent
    public var guards: [GuardCondition]
    public var code: String
    public var message: String
}
