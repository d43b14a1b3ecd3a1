import Foundation

extension LifecycleOverview {
    /// A Graphviz digraph in four ranks, top to bottom: labels of the edges that arc over the main
    /// path (and the notes of groups arriving at a main state), the main path in one line, the side
    /// states, then the notes of groups arriving at a side state and the legend.
    ///
    /// Labels of edges within a rank are plain-text nodes on the edge's line, so `dot` never piles
    /// them up beside the rank. Edges are written in layout order (left to right, top to bottom)
    /// with `dir=back` where they run the other way, so `dot` never has to reverse one.
    func renderDot() -> String {
        var dot = DotWriter()
        for place in states {
            let colours = OverviewStyle.colours(place.kind)
            let shape = place.kind == .terminal ? ", peripheries=2" : ""
            dot.node(place.state.rawValue, "fillcolor=\"\(colours.fill)\", color=\"\(colours.stroke)\"\(shape)")
        }
        dot.main += ["start", CompiledMachine.initialState.rawValue]
        dot.edge("start", CompiledMachine.initialState.rawValue, "")
        addMainPath(to: &dot)
        addSideEdges(to: &dot)
        addGroups(to: &dot)
        return dot.document(title: title, legend: groups.map(legendLine) + [legend.last?.text ?? ""])
    }

    /// `(n) events → target from states`.
    func legendLine(_ group: Group) -> String {
        "(\(group.number)) \(Self.names(group.events)) → \(group.to.rawValue) from \(group.sources)"
    }

    /// The events of `from → to`, if that edge is drawn.
    func events(_ from: LifecycleState, _ to: LifecycleState) -> [LifecycleEvent]? {
        edges.first { $0.from == from && $0.to == to }?.events
    }

    /// Neighbours on the main path share one line with the label on it; every other edge between
    /// main states arcs over the path through a label in the rank above. A pair whose two
    /// directions carry the same events is one line with two arrowheads.
    private func addMainPath(to dot: inout DotWriter) {
        var drawn = Set<Pair>()
        for (left, right) in zip(mainPath, mainPath.dropFirst()) {
            let forward = events(left, right)
            let backward = events(right, left)
            if let forward, forward == backward {
                dot.labelled(left, right, forward, rank: .main, arrows: .both)
                drawn.formUnion([Pair(from: left, to: right), Pair(from: right, to: left)])
            } else if let forward {
                dot.labelled(left, right, forward, rank: .main, arrows: .head)
                drawn.insert(Pair(from: left, to: right))
            } else if let backward {
                dot.labelled(left, right, backward, rank: .main, arrows: .tail)
                drawn.insert(Pair(from: right, to: left))
            } else {
                dot.main.append(right.rawValue)
                dot.edge(left.rawValue, right.rawValue, "style=invis")
            }
        }
        let mainEdges = edges.filter { place(of: $0.from)?.row == 0 && place(of: $0.to)?.row == 0 }
        for edge in mainEdges where !drawn.contains(Pair(from: edge.from, to: edge.to)) {
            if edge.from == edge.to {
                dot.edge(edge.from.rawValue, edge.to.rawValue, "label=\"\(DotWriter.lines(edge.events))\"")
                continue
            }
            let (left, right) = columnOrder(edge.from, edge.to)
            let reverse = events(edge.to, edge.from)
            let arrows: DotWriter.Arrows = reverse == edge.events ? .both : (left == edge.from ? .head : .tail)
            dot.labelled(left, right, edge.events, rank: .above, arrows: arrows)
            drawn.insert(Pair(from: edge.from, to: edge.to))
            if reverse == edge.events { drawn.insert(Pair(from: edge.to, to: edge.from)) }
        }
    }

    /// Main ↔ side edges cross between the two ranks; side ↔ side edges dip through a label below.
    private func addSideEdges(to dot: inout DotWriter) {
        let side = states.filter { $0.row == 1 }.sorted { ($0.column, $0.state) < ($1.column, $1.state) }
        for (left, right) in zip(side, side.dropFirst()) {
            dot.edge(left.state.rawValue, right.state.rawValue, "style=invis")
        }
        for place in side {
            // Pulls each side state below the main state of its column.
            dot.edge(mainPath[place.column].rawValue, place.state.rawValue, "style=invis, weight=4")
        }
        dot.side += side.map(\.state.rawValue)
        var drawn = Set<Pair>()
        for edge in edges where !drawn.contains(Pair(from: edge.from, to: edge.to)) {
            guard let from = place(of: edge.from), let to = place(of: edge.to), from.row + to.row > 0 else { continue }
            drawn.insert(Pair(from: edge.from, to: edge.to))
            let label = "label=\"\(DotWriter.lines(edge.events))\""
            if edge.from == edge.to {
                dot.edge(edge.from.rawValue, edge.to.rawValue, label)
            } else if from.row == 0 {
                dot.edge(edge.from.rawValue, edge.to.rawValue, label)
            } else if to.row == 0 {
                dot.edge(edge.to.rawValue, edge.from.rawValue, label + ", dir=back")
            } else {
                let (left, right) = columnOrder(edge.from, edge.to)
                let reverse = events(edge.to, edge.from)
                if reverse == edge.events { drawn.insert(Pair(from: edge.to, to: edge.from)) }
                let arrows: DotWriter.Arrows = reverse == edge.events ? .both : (left == edge.from ? .head : .tail)
                dot.labelled(left, right, edge.events, rank: .below, arrows: arrows)
            }
        }
    }

    /// Each target's groups share one dashed note: above a main state, below a side state.
    private func addGroups(to dot: inout DotWriter) {
        for place in states {
            let arriving = groups.filter { $0.to == place.state }
            guard !arriving.isEmpty else { continue }
            let id = "groups_\(place.state.rawValue)"
            let text = arriving.map { "(\($0.number)) \(Self.names($0.events))\\l" }.joined()
            dot.node(id, "shape=note, style=\"dashed\", color=\"#94a3b8\", fontsize=10, fontcolor=\"#334155\", label=\"\(text)\"")
            if place.row == 0 {
                dot.above.append(id)
                dot.edge(id, place.state.rawValue, DotWriter.groupEdge)
            } else {
                dot.below.append(id)
                dot.edge(place.state.rawValue, id, DotWriter.groupEdge + ", dir=back")
            }
        }
    }

    /// `from` and `to` ordered by column (ties keep the given order).
    private func columnOrder(_ from: LifecycleState, _ to: LifecycleState) -> (LifecycleState, LifecycleState) {
        (place(of: from)?.column ?? 0) <= (place(of: to)?.column ?? 0) ? (from, to) : (to, from)
    }
}

func dotEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}

/// Fill and stroke per kind, shared by DOT and Mermaid.
enum OverviewStyle {
    static func colours(_ kind: LifecycleOverview.Kind) -> (fill: String, stroke: String) {
        switch kind {
        case .main: ("#dbeafe", "#2563eb")
        case .side: ("#fef3c7", "#d97706")
        case .terminal: ("#dcfce7", "#15803d")
        }
    }
}
