import StateMachine
import Testing

@Suite struct CompileTests {
    @Test(arguments: Policies.all)
    func everyPolicyCompilesWithItsStates(policy: MachinePolicy) throws {
        let machine = try CompiledMachine.compile(policy)
        #expect(machine.states.contains(.review) == (policy.review != .off))
        #expect(machine.states.contains(.done) == policy.donePhase)
        for transition in machine.transitions {
            #expect(machine.states.contains(transition.from), "\(transition)")
            #expect(machine.states.contains(transition.to), "\(transition)")
        }
    }

    @Test(arguments: Policies.all)
    func atMostOneTransitionPerStateEventAndGuard(policy: MachinePolicy) throws {
        let machine = try CompiledMachine.compile(policy)
        var seen = Set<String>()
        for transition in machine.transitions {
            let key = "\(transition.from) \(transition.event) \(transition.guards.map(\.token).sorted())"
            #expect(seen.insert(key).inserted, "duplicate edge \(key)")
        }
    }

    @Test func mainPathRunsQueuedToClosed() throws {
        let machine = try CompiledMachine.compile(Policies.full)
        var state = LifecycleState.queued
        var context = TransitionContext()
        let path: [(LifecycleEvent, TrackerStanding)] = [
            (.dispatch, .fitsPhase), (.workspaceReady, .fitsPhase), (.runEnded, .movedToReview),
            (.runEnded, .movedToDone), (.runEnded, .fitsPhase),
        ]
        var visited = [state]
        for (event, standing) in path {
            context.standing = standing
            let step = try machine.step(from: state, on: event, context: context).get()
            state = step.transition.to
            context.phase = step.phase
            visited.append(state)
        }
        #expect(visited == [.queued, .workspace, .running, .review, .done, .closed])
    }

    @Test func reviewOffRemovesTheReviewStateAndReleasesOnHandOff() throws {
        let machine = try CompiledMachine.compile(Policies.policy(.off, done: false))
        #expect(!machine.states.contains(.review))
        // Without a review phase the review tracker state is just "not active".
        let standing = TrackerStanding.classify(
            .init(state: "Human_Review", routable: true), state: .running, phase: .implementation,
            policy: machine.policy)
        #expect(standing == .inactive)
        let step = try machine.step(from: .running, on: .runEnded, context: .init(standing: standing)).get()
        #expect(step.transition.to == .released)
    }

    @Test func humanReviewWaitsWithoutAnAgentRun() throws {
        let machine = try CompiledMachine.compile(Policies.policy(.human, done: false))
        let step = try machine.step(from: .running, on: .runEnded, context: .init(standing: .movedToReview)).get()
        #expect(step.transition.to == .review)
        #expect(!step.transition.effects.contains(.startRun(.review)))
        let back = try machine.step(
            from: .review, on: .trackerUpdated, context: .init(phase: .review, standing: .movedToActive)
        ).get()
        #expect(back.transition.to == .queued)
        #expect(back.phase == .implementation)
        let rejected = machine.step(from: .review, on: .runEnded, context: .init(phase: .review))
        #expect(throws: Rejection.self) { try rejected.get() }
    }

    @Test func agentReviewSendsChangesBackToRunning() throws {
        let machine = try CompiledMachine.compile(Policies.full)
        let step = try machine.step(
            from: .review, on: .runEnded, context: .init(phase: .review, standing: .movedToActive)
        ).get()
        #expect(step.transition.to == .running)
        #expect(step.transition.effects == [.enterPhase(.implementation), .startRun(.implementation)])
        let undecided = try machine.step(from: .review, on: .runEnded, context: .init(phase: .review)).get()
        #expect(undecided.transition.to == .blocked)
        #expect(undecided.blockReason == .reviewUndecided)
    }

    @Test func noSlotIsADocumentedRejection() throws {
        let machine = try CompiledMachine.compile(Policies.full)
        let result = machine.step(from: .queued, on: .dispatch, context: .init(slotAvailable: false))
        guard case .failure(let rejection) = result else {
            Issue.record("dispatch without a slot was accepted")
            return
        }
        #expect(rejection.code == "no_available_slot")
        guard case .failure(let other) = machine.step(from: .closed, on: .dispatch, context: .init()) else {
            Issue.record("dispatch of a closed issue was accepted")
            return
        }
        #expect(other.code == "not_applicable")
    }

    @Test func claimEffectFollowsTheClaimMapping() throws {
        var policy = Policies.full
        let claimed = try CompiledMachine.compile(policy).step(from: .queued, on: .dispatch, context: .init()).get()
        #expect(claimed.transition.effects == [.claimInTracker, .prepareWorkspace])
        policy.trackerStates.claimed = nil
        let unclaimed = try CompiledMachine.compile(policy).step(from: .queued, on: .dispatch, context: .init()).get()
        #expect(unclaimed.transition.effects == [.prepareWorkspace])
    }
}

@Suite struct EffectTokenTests {
    @Test func everyEffectOfEveryPolicyRoundTripsThroughItsToken() throws {
        for policy in Policies.all {
            for effect in try CompiledMachine.compile(policy).transitions.flatMap(\.effects) {
                #expect(Effect(token: effect.token) == effect)
            }
        }
        #expect(Effect(token: "start_run:nope") == nil)
        #expect(Effect(token: "launch_rockets") == nil)
    }
}
