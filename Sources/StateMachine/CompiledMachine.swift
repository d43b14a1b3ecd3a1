/// The issue lifecycle compiled from one WORKFLOW.md policy: states, transitions with guards and
/// effects, and documented rejections. Pure: no I/O, no clock.
///
/// ```swift
/// let machine = try CompiledMachine.compile(policy)
/// switch machine.step(from: .queued, on: .dispatch, context: TransitionContext(slotAvailable: true)) {
/// case .success(let step): print(step.transition.to)   // workspace
/// case .failure(let rejection): print(rejection.code)
/// }
/// ```
public struct CompiledMachine: Sendable {
    public let policy: MachinePolicy
    /// The states this policy keeps, main path first.
    public let states: [LifecycleState]
    public let transitions: [Transition]
    public let rejections: [RejectionRule]

    /// The state every issue starts in.
    public static let initialState = LifecycleState.queued

    /// Compiles and checks the machine for `policy`.
    /// - Throws: ``MachineDefinitionError`` when a structural check fails.
    public static func compile(_ policy: MachinePolicy) throws(MachineDefinitionError) -> CompiledMachine {
        var builder = MachineBuilder(policy: policy)
        builder.build()
        let machine = CompiledMachine(
            policy: policy, states: policy.states, transitions: builder.transitions, rejections: builder.rejections)
        try machine.check()
        return machine
    }

    /// Applies `event` to an issue in `state`.
    ///
    /// Returns the transition whose guard holds, or the documented rejection.
    public func step(from state: LifecycleState, on event: LifecycleEvent, context: TransitionContext)
        -> Result<Step, Rejection>
    {
        if let transition = transitions.first(where: {
            $0.from == state && $0.event == event && $0.applies(in: context, policy: policy)
        }) {
            return .success(outcome(of: transition, context: context))
        }
        if let rule = rejections.first(where: {
            $0.state == state && $0.event == event
                && $0.guards.allSatisfy { $0.holds(in: context, policy: policy) }
        }) {
            return .failure(Rejection(code: rule.code, state: state, event: event, message: rule.message))
        }
        return .failure(
            Rejection(
                code: "not_applicable", state: state, event: event,
                message: "'\(event.rawValue)' does not apply to an issue in '\(state.rawValue)'"))
    }

    /// The transitions leaving `state`.
    public func transitions(from state: LifecycleState) -> [Transition] {
        transitions.filter { $0.from == state }
    }

    private func outcome(of transition: Transition, context: TransitionContext) -> Step {
        var failures = context.failures
        var phase = context.phase
        var due: Int?
        var blockReason: BlockReason?
        for effect in transition.effects {
            switch effect {
            case .scheduleContinuation:
                failures = 0
                due = policy.continuationDelayMs
            case .scheduleRetry:
                failures += 1
                due = policy.retryDelayMs(failures: failures)
            case .resetRetries:
                failures = 0
            case .resetBudget:
                break  // The store counts usage from the transition that carries it.
            case .enterPhase(let next):
                phase = next
                failures = 0
            case .recordBlock(let reason):
                blockReason = reason
                // The failure that exhausts the retries is a failure too: the count stays true.
                if reason == .retriesExhausted { failures += 1 }
            case .claimInTracker, .prepareWorkspace, .startRun, .stopRun, .deliverAnswer, .removeWorkspace:
                break
            }
        }
        if transition.to == .blocked, blockReason == nil { blockReason = context.blockReason }
        if transition.to != .blocked { blockReason = nil }
        return Step(transition: transition, dueInMs: due, failures: failures, phase: phase, blockReason: blockReason)
    }
}

/// A structural defect found when compiling the machine.
public struct MachineDefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}
