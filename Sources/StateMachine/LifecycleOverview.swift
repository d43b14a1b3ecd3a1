/// The compiled machine drawn for reading at a glance: one edge per (from, to) pair labelled with
/// its events, guards and effects left out, and the edges that arrive from many states for the same
/// reason drawn once as a group.
///
/// Every (from, to, event) triple of the machine appears exactly once: on an edge or in a group.
/// States have a fixed place on a grid: the main path on row 0 in lifecycle order, the side states
/// (`retrying`, `blocked`, `released`) on row 1 below it.
public struct LifecycleOverview: Sendable, Hashable {
    /// How a state is drawn.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// On the main path `queued → workspace → running → review → done`.
        case main
        /// Beside the main path: `retrying`, `blocked`, `released`.
        case side
        /// The end of the lifecycle: `closed`.
        case terminal
    }

    /// A state and its place on the grid.
    public struct State: Sendable, Hashable {
        public var state: LifecycleState
        public var kind: Kind
        /// 0 for the main path, 1 for the side states.
        public var row: Int
        /// Position along the main path; a side state sits below the main state of its column.
        public var column: Int
    }

    /// All transitions from one state to another, reduced to their events.
    public struct Edge: Sendable, Hashable {
        public var from: LifecycleState
        public var to: LifecycleState
        /// In the order of ``LifecycleEvent/allCases``.
        public var events: [LifecycleEvent]
    }

    /// Events that lead to one state from many states, drawn once instead of from every state.
    public struct Group: Sendable, Hashable {
        /// 1-based; the key that labels and the legend share.
        public var number: Int
        public var to: LifecycleState
        /// In the order of ``LifecycleEvent/allCases``.
        public var events: [LifecycleEvent]
        /// The states the events leave; each event leads from each of them to ``to``.
        public var states: [LifecycleState]
        /// The states in words: a list, or "every state but …" when that is shorter.
        public var sources: String
    }

    /// The policy the machine was compiled from; its summary titles every rendering.
    public let policy: MachinePolicy
    /// `queued` to `closed`, the states this policy keeps, in lifecycle order.
    public let mainPath: [LifecycleState]
    /// Every state of the machine with its place, in lifecycle order.
    public let states: [State]
    /// The drawn edges, one per (from, to) pair, ordered by source then target state.
    public let edges: [Edge]
    /// The groups, numbered from 1, ordered by target state.
    public let groups: [Group]

    /// The overview of `machine`; with `grouped: false` every pair is its own edge and there are no
    /// groups (the layout of the full view).
    public init(_ machine: CompiledMachine, grouped: Bool = true) {
        policy = machine.policy
        let main = Self.mainPathOrder.filter(machine.states.contains)
        mainPath = main
        states = Self.place(machine.states, mainPath: main)
        var triples: [Triple] = []
        for transition in machine.transitions {
            let triple = Triple(from: transition.from, to: transition.to, event: transition.event)
            if !triples.contains(triple) { triples.append(triple) }
        }
        let grouping = grouped ? Self.groups(of: triples, machine: machine, mainPath: main) : []
        groups = grouping
        let covered = Set(
            grouping.flatMap { group in group.states.flatMap { from in group.events.map { Triple(from: from, to: group.to, event: $0) } } })
        var pairs: [Pair: [LifecycleEvent]] = [:]
        for triple in triples where !covered.contains(triple) {
            pairs[Pair(from: triple.from, to: triple.to), default: []].append(triple.event)
        }
        edges = pairs.map { Edge(from: $0.key.from, to: $0.key.to, events: $0.value.sorted(by: Self.eventOrder)) }
            .sorted { ($0.from, $0.to) < ($1.from, $1.to) }
    }

    /// One line of the legend every rendering shows.
    public struct LegendEntry: Sendable, Hashable {
        /// `main`, `side`, `terminal`, `group` or `full`.
        public var key: String
        public var text: String
    }

    /// What the colours and the dashed group edges mean, and where guards and effects are.
    public let legend: [LegendEntry] = [
        .init(key: Kind.main.rawValue, text: "main path, in lifecycle order"),
        .init(key: Kind.side.rawValue, text: "side state: waiting out a retry, blocked on an operator, or released"),
        .init(key: Kind.terminal.rawValue, text: "terminal: closed in the tracker or done; an active tracker state reopens it"),
        .init(key: "group", text: "dashed, numbered: events arriving from many states, drawn once"),
        .init(key: "full", text: "guards and effects: maestro graph --view full"),
    ]

    /// `maestro lifecycle overview (…policy summary…)`.
    public var title: String { "maestro lifecycle overview (\(policy.summary))" }

    /// The place of `state`; every state of the machine has one.
    public func place(of state: LifecycleState) -> State? {
        states.first { $0.state == state }
    }

    /// The ungrouped (from, to, event) triples the overview shows, edges and groups together.
    public var triples: [(from: LifecycleState, to: LifecycleState, event: LifecycleEvent)] {
        edges.flatMap { edge in edge.events.map { (edge.from, edge.to, $0) } }
            + groups.flatMap { group in group.states.flatMap { from in group.events.map { (from, group.to, $0) } } }
    }

    static let mainPathOrder: [LifecycleState] = [.queued, .workspace, .running, .review, .done, .closed]

    static func eventOrder(_ lhs: LifecycleEvent, _ rhs: LifecycleEvent) -> Bool {
        LifecycleEvent.allCases.firstIndex(of: lhs)! < LifecycleEvent.allCases.firstIndex(of: rhs)!
    }

    /// Side states sit below the main state they deal with most: `retrying` below `workspace` (it
    /// returns to the queue), `blocked` below the middle of the runs, `released` below `closed`.
    private static func place(_ machineStates: [LifecycleState], mainPath: [LifecycleState]) -> [State] {
        func column(_ state: LifecycleState) -> Int? { mainPath.firstIndex(of: state) }
        let blockedColumn = column(.review) ?? column(.done) ?? column(.running) ?? 0
        return machineStates.map { state in
            switch state {
            case .retrying: State(state: state, kind: .side, row: 1, column: column(.workspace) ?? 0)
            case .blocked: State(state: state, kind: .side, row: 1, column: blockedColumn)
            case .released: State(state: state, kind: .side, row: 1, column: mainPath.count - 1)
            default:
                State(state: state, kind: state.isTerminal ? .terminal : .main, row: 0, column: column(state) ?? 0)
            }
        }
    }
}

/// One (from, to, event) of the machine, the unit the overview must show exactly once.
struct Triple: Hashable {
    var from: LifecycleState
    var to: LifecycleState
    var event: LifecycleEvent
}

/// A (from, to) pair of states: one edge of the overview.
struct Pair: Hashable {
    var from: LifecycleState
    var to: LifecycleState
}
