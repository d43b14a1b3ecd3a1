import StateMachine
import Testing

@Suite struct ClassificationTests {
    private func classify(
        _ state: String?, routable: Bool = true, in lifecycle: LifecycleState = .queued, phase: Phase = .implementation,
        policy: MachinePolicy = Policies.full
    ) -> TrackerStanding {
        TrackerStanding.classify(.init(state: state, routable: routable), state: lifecycle, phase: phase, policy: policy)
    }

    @Test func statesCompareTrimmedAndCaseInsensitively() {
        #expect(classify("  TODO ") == .fitsPhase)
        #expect(classify("in_progress", phase: .review) == .movedToActive)
        #expect(classify("Cancelled") == .terminal)
        #expect(classify("backlog") == .inactive)
        #expect(classify(nil) == .inactive)
    }

    @Test func unroutableOnlyForActiveStates() {
        #expect(classify("todo", routable: false) == .unroutable)
        #expect(classify("cancelled", routable: false) == .terminal)
    }

    @Test func reviewAndDoneStatesDependOnThePhases() {
        #expect(classify("human_review") == .movedToReview)
        #expect(classify("human_review", phase: .review) == .fitsPhase)
        #expect(classify("done") == .movedToDone)
        #expect(classify("done", policy: Policies.policy(.agent, done: false)) == .terminal)
        #expect(classify("human_review", policy: Policies.policy(.off, done: false)) == .inactive)
    }

    @Test func closedIssuesCountAsPastTheDonePhase() {
        #expect(classify("done", in: .closed) == .fitsPhase)
        #expect(classify("todo", in: .closed) == .movedToActive)
    }
}
