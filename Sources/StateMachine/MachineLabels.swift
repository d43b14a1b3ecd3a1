extension GuardCondition {
    /// A stable token, used in JSON and in `Specs/state-machine.md`.
    public var token: String {
        switch self {
        case .tracker(let standing): "tracker:\(standing.rawValue)"
        case .slotAvailable: "slot_available"
        case .noSlotAvailable: "no_slot_available"
        case .retriesLeft: "retries_left"
        case .retriesExhausted: "retries_exhausted"
        case .phase(let phase): "phase:\(phase.rawValue)"
        case .blockedOn(let reason): "blocked_on:\(reason.rawValue)"
        case .budgetLeft: "budget_left"
        case .budgetExhausted: "budget_exhausted"
        }
    }

    /// A short human label that names the policy's values.
    func label(_ policy: MachinePolicy) -> String {
        switch self {
        case .tracker(.movedToReview): "tracker moved to '\(policy.trackerStates.review ?? "review")'"
        case .tracker(.movedToDone): "tracker moved to '\(policy.trackerStates.done ?? "done")'"
        case .tracker(.movedToActive): "tracker moved to an active state"
        case .tracker(.fitsPhase): "tracker fits phase"
        case .tracker(.unroutable): "tracker unroutable"
        case .tracker(.inactive): "tracker inactive"
        case .tracker(.terminal): "tracker terminal"
        case .slotAvailable: "slot free"
        case .noSlotAvailable: "no slot free"
        case .retriesLeft: "failures below \(policy.maxAutomaticRetries)"
        case .retriesExhausted: "failures reached \(policy.maxAutomaticRetries)"
        case .phase(let phase): "phase \(phase.rawValue)"
        case .blockedOn(let reason): "blocked on \(reason.rawValue)"
        case .budgetLeft: "within budget (\(policy.budget.summary))"
        case .budgetExhausted: "budget spent (\(policy.budget.summary))"
        }
    }
}

extension Effect {
    /// A stable token, used in JSON and in `Specs/state-machine.md`.
    public var token: String {
        switch self {
        case .claimInTracker: "claim_in_tracker"
        case .prepareWorkspace: "prepare_workspace"
        case .startRun(let phase): "start_run:\(phase.rawValue)"
        case .stopRun: "stop_run"
        case .deliverAnswer: "deliver_answer"
        case .scheduleContinuation: "schedule_continuation"
        case .scheduleRetry: "schedule_retry"
        case .resetRetries: "reset_retries"
        case .resetBudget: "reset_budget"
        case .enterPhase(let phase): "enter_phase:\(phase.rawValue)"
        case .recordBlock(let reason): "record_block:\(reason.rawValue)"
        case .removeWorkspace: "remove_workspace"
        }
    }

    /// A short human label that names the policy's values.
    func label(_ policy: MachinePolicy) -> String {
        switch self {
        case .claimInTracker: "claim as '\(policy.trackerStates.claimed ?? "")'"
        case .prepareWorkspace: "prepare workspace"
        case .startRun(let phase): "start \(phase.rawValue) run"
        case .stopRun: "stop run"
        case .deliverAnswer: "deliver answer"
        case .scheduleContinuation: "due in \(policy.continuationDelayMs) ms"
        case .scheduleRetry:
            "due after backoff \(policy.retryBaseDelayMs) ms doubling, cap \(policy.maxRetryBackoffMs) ms"
        case .resetRetries: "reset failures"
        case .resetBudget: "reset budget"
        case .enterPhase(let phase): "enter \(phase.rawValue) phase"
        case .recordBlock(let reason): "record block \(reason.rawValue)"
        case .removeWorkspace: "remove workspace"
        }
    }
}

extension Transition {
    /// `event [guard] / effects`, as drawn on an edge.
    public func label(_ policy: MachinePolicy) -> String {
        var text = event.rawValue
        if !guards.isEmpty { text += " [" + guards.map { $0.label(policy) }.joined(separator: " and ") + "]" }
        if !effects.isEmpty { text += " / " + effects.map { $0.label(policy) }.joined(separator: ", ") }
        return text
    }
}

extension MachinePolicy {
    /// One line naming the shape of the machine.
    public var summary: String {
        var parts = ["review: \(review.rawValue)", "done phase: \(donePhase ? "on" : "off")"]
        var limits = "max concurrent agents: \(maxConcurrentAgents)"
        if !maxConcurrentAgentsByState.isEmpty {
            limits +=
                " ("
                + maxConcurrentAgentsByState.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", ") + ")"
        }
        parts.append(limits)
        return parts.joined(separator: "; ")
    }
}

extension Effect {
    /// Parses ``token``; `nil` for an unknown token.
    public init?(token: String) {
        let parts = token.split(separator: ":", maxSplits: 1).map(String.init)
        let argument = parts.count == 2 ? parts[1] : nil
        switch parts.first {
        case "claim_in_tracker": self = .claimInTracker
        case "prepare_workspace": self = .prepareWorkspace
        case "start_run":
            guard let phase = argument.flatMap(Phase.init(rawValue:)) else { return nil }
            self = .startRun(phase)
        case "stop_run": self = .stopRun
        case "deliver_answer": self = .deliverAnswer
        case "schedule_continuation": self = .scheduleContinuation
        case "schedule_retry": self = .scheduleRetry
        case "reset_retries": self = .resetRetries
        case "reset_budget": self = .resetBudget
        case "enter_phase":
            guard let phase = argument.flatMap(Phase.init(rawValue:)) else { return nil }
            self = .enterPhase(phase)
        case "record_block":
            guard let reason = argument.flatMap(BlockReason.init(rawValue:)) else { return nil }
            self = .recordBlock(reason)
        case "remove_workspace": self = .removeWorkspace
        default: return nil
        }
    }
}
