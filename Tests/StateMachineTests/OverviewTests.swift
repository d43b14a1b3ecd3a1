import Foundation
import Testing

@testable import StateMachine

@Suite struct OverviewTests {
    struct Triple: Hashable {
        var from, to: LifecycleState
        var event: LifecycleEvent
    }

    @Test(arguments: Policies.all)
    func everyTripleOfTheMachineIsShownExactlyOnce(policy: MachinePolicy) throws {
        let machine = try CompiledMachine.compile(policy)
        let overview = LifecycleOverview(machine)
        let compiled = Set(machine.transitions.map { Triple(from: $0.from, to: $0.to, event: $0.event) })
        let shown = overview.triples.map { Triple(from: $0.from, to: $0.to, event: $0.event) }
        #expect(Set(shown) == compiled)
        #expect(shown.count == compiled.count, "a triple is shown twice")
        let pairs = overview.edges.map { "\($0.from)->\($0.to)" }
        #expect(pairs.count == Set(pairs).count, "one edge per pair")
    }

    /// Without grouping (the full view's layout) every pair of the machine is one edge.
    @Test(arguments: Policies.all)
    func ungroupedOverviewHasOneEdgePerPair(policy: MachinePolicy) throws {
        let machine = try CompiledMachine.compile(policy)
        let overview = LifecycleOverview(machine, grouped: false)
        #expect(overview.groups.isEmpty)
        #expect(Set(overview.edges.map { "\($0.from)->\($0.to)" }) == Set(machine.transitions.map { "\($0.from)->\($0.to)" }))
    }

    @Test(arguments: Policies.all)
    func theMainPathIsOneRowInLifecycleOrderAndKeepsItsEdges(policy: MachinePolicy) throws {
        let machine = try CompiledMachine.compile(policy)
        let overview = LifecycleOverview(machine)
        #expect(overview.mainPath == machine.states.filter { ![.retrying, .blocked, .released].contains($0) })
        for (column, state) in overview.mainPath.enumerated() {
            #expect(overview.place(of: state)?.row == 0)
            #expect(overview.place(of: state)?.column == column)
        }
        // Every transition between neighbours on the main path stays on its edge, never in a group.
        for (from, to) in zip(overview.mainPath, overview.mainPath.dropFirst()) {
            let events = Set(machine.transitions.filter { $0.from == from && $0.to == to }.map(\.event))
            let edge = overview.edges.first { $0.from == from && $0.to == to }
            #expect(Set(edge?.events ?? []) == events, "\(from) -> \(to)")
        }
        for side in [LifecycleState.retrying, .blocked, .released] {
            let place = try #require(overview.place(of: side))
            #expect(place.row == 1 && place.kind == .side)
            #expect(overview.mainPath.indices.contains(place.column))
        }
        #expect(overview.place(of: .closed)?.kind == .terminal)
    }

    /// The edges that leave nearly every state are drawn once: tracker terminal, cancel, pause.
    @Test(arguments: Policies.all)
    func edgesFromMostStatesAreGrouped(policy: MachinePolicy) throws {
        let machine = try CompiledMachine.compile(policy)
        let overview = LifecycleOverview(machine)
        for (event, target) in [(LifecycleEvent.trackerUpdated, LifecycleState.closed), (.cancel, .released), (.pause, .blocked)] {
            let sources = Set(machine.transitions.filter { $0.event == event && $0.to == target }.map(\.from))
            let group = try #require(overview.groups.first { $0.to == target && $0.events.contains(event) })
            #expect(Set(group.states).isSubset(of: sources))
            #expect(group.states.count * 2 >= machine.states.count, "\(group.sources)")
            // Only the edge from the target's neighbour on the main path keeps the event.
            let index = overview.mainPath.firstIndex(of: target) ?? 0
            let neighbour = index > 0 ? overview.mainPath[index - 1] : nil
            let drawn = overview.edges.filter { $0.to == target && $0.events.contains(event) }.map(\.from)
            #expect(drawn.allSatisfy { $0 == neighbour }, "\(drawn)")
        }
        for group in overview.groups {
            #expect(group.sources == LifecycleOverview.describe(group.states, among: machine.states))
        }
        #expect(overview.groups.map(\.number) == Array(1...overview.groups.count))
    }

    @Test func sourcesAreNamedByTheShorterDescription() {
        let all = LifecycleState.allCases
        #expect(LifecycleOverview.describe(all, among: all) == "every state")
        #expect(LifecycleOverview.describe(all.filter { $0 != .closed }, among: all) == "every state but closed")
        #expect(LifecycleOverview.describe([.running, .done], among: all) == "running, done")
    }
}
