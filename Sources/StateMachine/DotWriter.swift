/// Collects the nodes, ranks and edges of the overview's DOT and writes the document.
struct DotWriter {
    /// Where a label node sits: over the main path, on it, or under the side states.
    enum Rank { case above, main, below }
    /// Which end of a labelled edge has an arrowhead: the right one, the left one, or both.
    enum Arrows { case head, tail, both }

    static let groupEdge = "style=dashed, color=\"#94a3b8\", arrowhead=vee, arrowtail=vee"

    var above: [String] = []
    var main: [String] = []
    var side: [String] = []
    var below: [String] = []
    private var nodes: [String] = []
    private var edges: [String] = []
    private var labels = 0

    /// Events one per line, so labels stay narrow.
    static func lines(_ events: [LifecycleEvent]) -> String {
        events.map(\.rawValue).joined(separator: ",\\n")
    }

    mutating func node(_ id: String, _ attributes: String) {
        nodes.append("    \(id) [\(attributes)];")
    }

    mutating func edge(_ tail: String, _ head: String, _ attributes: String) {
        edges.append("    \(tail) -> \(head)" + (attributes.isEmpty ? ";" : " [\(attributes)];"))
    }

    /// An edge between `left` and `right` drawn through a plain-text node that carries its events.
    mutating func labelled(
        _ left: LifecycleState, _ right: LifecycleState, _ events: [LifecycleEvent], rank: Rank, arrows: Arrows
    ) {
        labels += 1
        let id = "label\(labels)"
        let text = Self.lines(events)
        node(id, "shape=plaintext, style=\"\", fontsize=11, height=0.2, width=0, margin=\"0.04,0.02\", label=\"\(text)\"")
        let atLeft = arrows != .head
        let atRight = arrows != .tail
        switch rank {
        case .main:
            main += [id, right.rawValue]
            edge(left.rawValue, id, atLeft ? "dir=back" : "dir=none")
            edge(id, right.rawValue, atRight ? "" : "dir=none")
        case .above:
            above.append(id)
            edge(id, left.rawValue, atLeft ? "" : "dir=none")
            edge(id, right.rawValue, atRight ? "" : "dir=none")
        case .below:
            below.append(id)
            edge(left.rawValue, id, atLeft ? "dir=back" : "dir=none")
            edge(right.rawValue, id, atRight ? "dir=back" : "dir=none")
        }
    }

    func document(title: String, legend: [String]) -> String {
        var lines = [
            "digraph maestro {",
            "    label=\"\(dotEscaped(title))\";",
            "    labelloc=t;",
            "    fontname=\"Helvetica\";",
            "    fontsize=16;",
            "    rankdir=TB;",
            "    newrank=true;",
            "    nodesep=0.12;",
            "    ranksep=0.45;",
            "    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=13];",
            "    edge [fontname=\"Helvetica\", fontsize=11, color=\"#475569\", arrowsize=0.8];",
            "    start [shape=point, label=\"\"];",
        ]
        lines += nodes
        let legendText = legend.map { dotEscaped($0) + "\\l" }.joined()
        lines.append("    legend [shape=plaintext, style=\"\", fontsize=11, fontcolor=\"#334155\", label=\"\(legendText)\"];")
        for rank in [above, main, side, below] where !rank.isEmpty {
            lines.append("    { rank=same; \(rank.joined(separator: "; ")); }")
        }
        lines += edges
        // The legend goes in a rank of its own, under everything else.
        lines.append("    \(below.first ?? side.first ?? main.last ?? "start") -> legend [style=invis];")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
