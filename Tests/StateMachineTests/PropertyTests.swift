import StateMachine
import Testing

/// Random event sequences, with contexts consistent with what the runtime would supply, never reach
/// an undocumented state and never break the lifecycle's invariants.
@Suite struct PropertyTests {
    /// A small deterministic generator (SplitMix64) so failures reproduce from the seed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ values: [T]) -> T { values[Int(next() % UInt64(values.count))] }
    }

    /// What the property test tracks beside the lifecycle state.
    struct TrackedIssue {
        var state = LifecycleState.queued
        var phase = Phase.implementation
        var failures = 0
        var blockReason: BlockReason?
        var claimed = false
        var liveRun = false
    }

    @Test(arguments: Policies.all)
    func randomSequencesKeepTheInvariants(policy: MachinePolicy) throws {
        let machine = try CompiledMachine.compile(policy)
        var random = Generator(state: 0x5EED ^ UInt64(policy.hashValue & 0xFFFF))
        var applied = 0
        for _ in 0..<250 {
            var issue = TrackedIssue()
            for _ in 0..<60 {
                let event = random.pick(LifecycleEvent.allCases)
                let candidates = machine.possibleContexts(in: issue.state).filter {
                    $0.phase == issue.phase && $0.blockReason == issue.blockReason
                }
                guard var context = candidates.isEmpty ? nil : random.pick(candidates) else {
                    Issue.record("no consistent context for \(issue)")
                    return
                }
                context.failures = issue.failures
                switch machine.step(from: issue.state, on: event, context: context) {
                case .failure(let rejection):
                    #expect(rejection.state == issue.state && rejection.event == event)
                case .success(let step):
                    applied += 1
                    try check(step, event: event, issue: &issue, machine: machine)
                }
            }
        }
        #expect(applied > 800, "the walk should apply many transitions, applied \(applied)")
    }

    private func check(_ step: Step, event: LifecycleEvent, issue: inout TrackedIssue, machine: CompiledMachine) throws {
        let transition = step.transition
        let label = "\(issue.state) --\(event)--> \(transition.to)"
        #expect(machine.transitions.contains(transition), "undocumented transition \(label)")
        #expect(machine.states.contains(transition.to), "undocumented state in \(label)")

        // A run ends by itself on these events; everywhere else leaving a run needs stop_run.
        if [.runEnded, .runFailed, .interrupted].contains(event) { issue.liveRun = false }
        for effect in transition.effects {
            switch effect {
            case .stopRun: issue.liveRun = false
            case .startRun:
                #expect(!issue.liveRun, "two live runs at once: \(label)")
                issue.liveRun = true
            default: break
            }
        }
        if event == .dispatch { issue.claimed = true }
        if [.queued, .retrying, .released, .closed].contains(transition.to) { issue.claimed = false }

        issue.state = transition.to
        issue.phase = step.phase
        issue.failures = step.failures
        issue.blockReason = step.blockReason

        if issue.state.isRunState, machine.policy.agentPhases.contains(issue.phase) {
            #expect(issue.claimed, "running without a claim: \(label)")
            #expect(issue.liveRun, "run state without a live run: \(label)")
        }
        if [.queued, .retrying, .released, .closed].contains(issue.state) {
            #expect(!issue.liveRun, "a live run survives into \(issue.state): \(label)")
        }
        if issue.state == .blocked {
            #expect(issue.blockReason != nil, "blocked without a reason: \(label)")
            #expect(issue.liveRun == (issue.blockReason == .inputRequired), "blocked run liveness: \(label)")
        } else {
            #expect(issue.blockReason == nil)
        }
        if issue.state == .retrying {
            let due = try #require(step.dueInMs, "retrying without a due time: \(label)")
            #expect(due == machine.policy.continuationDelayMs || due <= machine.policy.maxRetryBackoffMs)
        }
        if issue.state == .closed, transition.from != .closed {
            #expect(transition.effects.contains(.removeWorkspace), "closed without removing the workspace: \(label)")
        }
        #expect(issue.failures <= machine.policy.maxAutomaticRetries)
    }
}
