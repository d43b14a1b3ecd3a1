/// The facts a guard may read. The runtime fills it from the store; the machine only reads it.
public struct TransitionContext: Sendable, Hashable {
    /// The phase the issue is in, or returns to after a retry.
    public var phase: Phase
    /// The tracker standing, for `tracker_updated` and `run_ended`.
    public var standing: TrackerStanding
    /// Whether a global and per-state slot is free, for `dispatch`.
    public var slotAvailable: Bool
    /// Automatic retries used in a row.
    public var failures: Int
    /// Why the issue is blocked, when it is.
    public var blockReason: BlockReason?
    /// What the runs used since its budget was last lifted, for `dispatch` and the
    /// `run_ended` transitions that start another run.
    public var usage: BudgetUsage

    public init(
        phase: Phase = .implementation,
        standing: TrackerStanding = .fitsPhase,
        slotAvailable: Bool = true,
        failures: Int = 0,
        blockReason: BlockReason? = nil,
        usage: BudgetUsage = .zero
    ) {
        self.phase = phase
        self.standing = standing
        self.slotAvailable = slotAvailable
        self.failures = failures
        self.blockReason = blockReason
        self.usage = usage
    }
}

/// One condition of a guard; a transition's guard holds when all its conditions hold.
public enum GuardCondition: Sendable, Hashable, Codable {
    case tracker(TrackerStanding)
    case slotAvailable
    case noSlotAvailable
    case retriesLeft
    case retriesExhausted
    case phase(Phase)
    case blockedOn(BlockReason)
    /// Another run fits in the budget.
    case budgetLeft
    /// The budget is spent.
    case budgetExhausted

    /// Evaluates the condition; pure.
    public func holds(in context: TransitionContext, policy: MachinePolicy) -> Bool {
        switch self {
        case .tracker(let standing): context.standing == standing
        case .slotAvailable: context.slotAvailable
        case .noSlotAvailable: !context.slotAvailable
        case .retriesLeft: context.failures < policy.maxAutomaticRetries
        case .retriesExhausted: context.failures >= policy.maxAutomaticRetries
        case .phase(let phase): context.phase == phase
        case .blockedOn(let reason): context.blockReason == reason
        case .budgetLeft: !policy.budget.isSpent(by: context.usage)
        case .budgetExhausted: policy.budget.isSpent(by: context.usage)
        }
    }
}

/// A side effect a transition asks adapters to carry out after it commits.
public enum Effect: Sendable, Hashable, Codable {
    /// Write `tracker.claim_state` to an issue in an active tracker state.
    case claimInTracker
    /// Create or reuse the workspace; run `after_create` (new only) and `before_run`.
    case prepareWorkspace
    /// Start the agent run of a phase (resuming the thread when one exists).
    case startRun(Phase)
    /// Interrupt the live run, if any.
    case stopRun
    /// Deliver the operator's answer to the live run.
    case deliverAnswer
    /// Due after `agent.continuation_delay_ms`; resets the failure count.
    case scheduleContinuation
    /// Count one more failure; due after the backoff for that count.
    case scheduleRetry
    /// Reset the failure count.
    case resetRetries
    /// Start counting the budget afresh from this transition.
    case resetBudget
    /// Set the phase the issue returns to.
    case enterPhase(Phase)
    /// Record why the issue is blocked.
    case recordBlock(BlockReason)
    /// Run `before_remove` and delete the workspace.
    case removeWorkspace
}

/// One edge of the compiled machine.
public struct Transition: Sendable, Hashable {
    public var from: LifecycleState
    public var event: LifecycleEvent
    /// All must hold; empty means always.
    public var guards: [GuardCondition]
    public var to: LifecycleState
    public var effects: [Effect]

    public init(
        from: LifecycleState, event: LifecycleEvent, guards: [GuardCondition] = [], to: LifecycleState,
        effects: [Effect] = []
    ) {
        self.from = from
        self.event = event
        self.guards = guards
        self.to = to
        self.effects = effects
    }

    func applies(in context: TransitionContext, policy: MachinePolicy) -> Bool {
        guards.allSatisfy { $0.holds(in: context, policy: policy) }
    }
}

/// Why an event changed nothing.
public struct Rejection: Error, Sendable, Hashable {
    /// A stable code, documented in `Specs/state-machine.md`.
    public var code: String
    public var state: LifecycleState
    public var event: LifecycleEvent
    public var message: String

    public init(code: String, state: LifecycleState, event: LifecycleEvent, message: String) {
        self.code = code
        self.state = state
        self.event = event
        self.message = message
    }
}

/// The outcome of an applied event.
public struct Step: Sendable, Hashable {
    public var transition: Transition
    /// Milliseconds until the issue is due, for transitions into `retrying`.
    public var dueInMs: Int?
    /// The failure count after the transition.
    public var failures: Int
    /// The phase after the transition.
    public var phase: Phase
    /// The block reason after the transition (`nil` unless the issue is blocked).
    public var blockReason: BlockReason?
}
