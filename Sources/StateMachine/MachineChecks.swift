extension CompiledMachine {
    /// Every context a guard can meet for an issue in `state`, given what the policy makes possible.
    public func possibleContexts(in state: LifecycleState) -> [TransitionContext] {
        let enabledPhases = MachineBuilder(policy: policy).enabledPhases
        let phases: [Phase]
        switch state {
        case .running, .done: phases = [state == .running ? .implementation : .done]
        case .review: phases = [.review]
        case .queued, .workspace, .retrying, .blocked: phases = policy.agentPhases
        case .released, .closed: phases = enabledPhases
        }
        let reasons: [BlockReason?] = state == .blocked ? BlockReason.allCases : [nil]
        let usages: [BudgetUsage] = policy.budget.isLimited ? [.zero, policy.budget.spentUsage] : [.zero]
        var contexts: [TransitionContext] = []
        for phase in phases {
            let effectivePhase = state == .closed ? Phase.done : phase
            let standings = MachineBuilder(policy: policy).possibleStandings.filter { standing in
                switch standing {
                case .movedToActive: effectivePhase != .implementation
                case .movedToReview: effectivePhase != .review
                case .movedToDone: effectivePhase != .done
                default: true
                }
            }
            for standing in standings {
                for slot in [true, false] {
                    for failures in [0, policy.maxAutomaticRetries] {
                        for reason in reasons {
                            for usage in usages {
                                contexts.append(
                                    TransitionContext(
                                        phase: phase, standing: standing, slotAvailable: slot, failures: failures,
                                        blockReason: reason, usage: usage))
                            }
                        }
                    }
                }
            }
        }
        return contexts
    }

    /// Reachability, a way to a terminal state, determinism and documented coverage.
    func check() throws(MachineDefinitionError) {
        var problems: [String] = []
        let reachable = reachableStates(from: [Self.initialState], forward: true)
        for state in states where !reachable.contains(state) {
            problems.append("state '\(state.rawValue)' is not reachable from '\(Self.initialState.rawValue)'")
        }
        let reachesTerminal = reachableStates(from: states.filter(\.isTerminal), forward: false)
        for state in states where !reachesTerminal.contains(state) {
            problems.append("no terminal state is reachable from '\(state.rawValue)'")
        }
        for transition in transitions where !states.contains(transition.to) || !states.contains(transition.from) {
            problems.append("transition \(transition.from.rawValue) -> \(transition.to.rawValue) uses a removed state")
        }
        for state in states {
            let contexts = possibleContexts(in: state)
            for event in LifecycleEvent.allCases {
                let candidates = transitions.filter { $0.from == state && $0.event == event }
                let rules = rejections.filter { $0.state == state && $0.event == event }
                guard !candidates.isEmpty || !rules.isEmpty else { continue }
                for context in contexts {
                    let matching = candidates.filter { $0.applies(in: context, policy: policy) }
                    if matching.count > 1 {
                        problems.append(
                            "\(state.rawValue) on \(event.rawValue): \(matching.count) transitions hold at once")
                    }
                    let rejected = rules.contains { $0.guards.allSatisfy { $0.holds(in: context, policy: policy) } }
                    if matching.isEmpty, !rejected {
                        problems.append("\(state.rawValue) on \(event.rawValue): a context has no transition or rejection")
                    }
                }
            }
        }
        if !problems.isEmpty { throw MachineDefinitionError(problems: Array(Set(problems)).sorted()) }
    }

    private func reachableStates(from start: [LifecycleState], forward: Bool) -> Set<LifecycleState> {
        var seen = Set(start)
        var frontier = start
        while let state = frontier.popLast() {
            for transition in transitions where (forward ? transition.from : transition.to) == state {
                let next = forward ? transition.to : transition.from
                if seen.insert(next).inserted { frontier.append(next) }
            }
        }
        return seen
    }
}
