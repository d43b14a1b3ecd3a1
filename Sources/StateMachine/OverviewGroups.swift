extension LifecycleOverview {
    /// Picks the edges the overview draws once: an (event, target) pair becomes a group when it leaves
    /// at least half of the machine's states (tracker terminal, cancel, pause, interrupted, …) or
    /// every state with an agent run when there are several (a failed run, a question). Pairs with the
    /// same target and the same states merge into one group.
    ///
    /// Triples between neighbours on the main path are never grouped, so the main path always reads
    /// `queued → … → closed` with every event that moves along it.
    static func groups(of triples: [Triple], machine: CompiledMachine, mainPath: [LifecycleState]) -> [Group] {
        let mainPairs = Set(zip(mainPath, mainPath.dropFirst()).map { Pair(from: $0, to: $1) })
        let runStates = Set(machine.policy.agentPhases.map(\.runState))
        var sources: [EventTarget: [LifecycleState]] = [:]
        for triple in triples where !mainPairs.contains(Pair(from: triple.from, to: triple.to)) {
            sources[EventTarget(event: triple.event, to: triple.to), default: []].append(triple.from)
        }
        var merged: [Pair.Target: [LifecycleEvent]] = [:]
        for (key, states) in sources {
            let broad = states.count * 2 >= machine.states.count || (runStates.count > 1 && Set(states) == runStates)
            guard broad else { continue }
            merged[Pair.Target(to: key.to, states: states.sorted()), default: []].append(key.event)
        }
        let ordered = merged.map { (target: $0.key, events: $0.value.sorted(by: eventOrder)) }.sorted { lhs, rhs in
            if lhs.target.to != rhs.target.to { return lhs.target.to < rhs.target.to }
            if lhs.target.states.count != rhs.target.states.count {
                return lhs.target.states.count > rhs.target.states.count
            }
            return eventOrder(lhs.events[0], rhs.events[0])
        }
        return ordered.enumerated().map { index, group in
            Group(
                number: index + 1, to: group.target.to, events: group.events, states: group.target.states,
                sources: describe(group.target.states, among: machine.states))
        }
    }

    /// A list of states, or "every state but …" when it names three states or fewer.
    static func describe(_ sources: [LifecycleState], among all: [LifecycleState]) -> String {
        let others = all.filter { !sources.contains($0) }
        if others.isEmpty { return "every state" }
        if sources.count > 3, others.count <= 3 {
            return "every state but " + others.map(\.rawValue).joined(separator: ", ")
        }
        return sources.map(\.rawValue).joined(separator: ", ")
    }
}

struct EventTarget: Hashable {
    var event: LifecycleEvent
    var to: LifecycleState
}

extension Pair {
    /// A target and the exact states a group leaves.
    struct Target: Hashable {
        var to: LifecycleState
        var states: [LifecycleState]
    }
}
