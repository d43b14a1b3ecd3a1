import Foundation

extension LifecycleOverview {
    /// The edges leaving `state`, in target order.
    func edges(from state: LifecycleState) -> [Edge] {
        edges.filter { $0.from == state }
    }

    /// `a, b` for a list of events.
    static func names(_ events: [LifecycleEvent]) -> String {
        events.map(\.rawValue).joined(separator: ", ")
    }

    func renderText() -> String {
        var lines = [title, ""]
        lines.append("main path: " + mainPath.map(\.rawValue).joined(separator: " -> "))
        lines.append("side states: " + states.filter { $0.kind == .side }.map(\.state.rawValue).joined(separator: ", "))
        lines.append("")
        for place in states {
            let marks = [
                place.state == CompiledMachine.initialState ? "initial" : nil, place.kind == .terminal ? "terminal" : nil,
            ].compactMap { $0 }
            lines.append(place.state.rawValue + (marks.isEmpty ? "" : " (" + marks.joined(separator: ", ") + ")"))
            for edge in edges(from: place.state) {
                lines.append("  -> \(edge.to.rawValue): \(Self.names(edge.events))")
            }
        }
        if !groups.isEmpty {
            lines.append("")
            lines.append("from many states, drawn once")
            for group in groups {
                lines.append("  (\(group.number)) -> \(group.to.rawValue): \(Self.names(group.events)) from \(group.sources)")
            }
        }
        lines.append("")
        lines.append(legend.first { $0.key == "full" }?.text ?? "")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A `stateDiagram-v2`: the main path declared first and left to right, side states after it,
    /// each group a dashed pseudo-state named by the states it stands for.
    func renderMermaid() -> String {
        var lines = ["---", "title: \"\(title)\"", "---", "stateDiagram-v2", "    direction LR"]
        lines += MermaidStyle.classDefinitions.map { "    " + $0 }
        for place in states { lines.append("    \(place.state.rawValue)") }
        lines.append("    [*] --> \(CompiledMachine.initialState.rawValue)")
        for edge in edges {
            lines.append("    \(edge.from.rawValue) --> \(edge.to.rawValue) : \(Self.names(edge.events))")
        }
        for group in groups {
            lines.append("    state \"\(group.sources)\" as \(groupID(group))")
            lines.append("    \(groupID(group)) --> \(group.to.rawValue) : \(Self.names(group.events))")
        }
        for place in states where place.kind == .terminal {
            lines.append("    \(place.state.rawValue) --> [*]")
        }
        for kind in [Kind.main, .side, .terminal] {
            let members = states.filter { $0.kind == kind }.map(\.state.rawValue)
            if !members.isEmpty { lines.append("    class \(members.joined(separator: ", ")) \(kind.rawValue)") }
        }
        if !groups.isEmpty { lines.append("    class \(groups.map(groupID).joined(separator: ", ")) group") }
        return lines.joined(separator: "\n") + "\n"
    }

    func groupID(_ group: Group) -> String { "group\(group.number)" }

    func renderJSON() -> String {
        let document = OverviewDocument(
            title: title,
            policy: .init(policy),
            initial: CompiledMachine.initialState.rawValue,
            mainPath: mainPath.map(\.rawValue),
            states: states.map {
                .init(
                    name: $0.state.rawValue, kind: $0.kind.rawValue, row: $0.row, column: $0.column,
                    initial: $0.state == CompiledMachine.initialState, terminal: $0.kind == .terminal)
            },
            edges: edges.map { .init(from: $0.from.rawValue, to: $0.to.rawValue, events: $0.events.map(\.rawValue)) },
            groups: groups.map {
                .init(
                    number: $0.number, to: $0.to.rawValue, events: $0.events.map(\.rawValue),
                    states: $0.states.map(\.rawValue), sources: $0.sources)
            },
            legend: legend.map { .init(key: $0.key, text: $0.text) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Mermaid classes per kind, in the colours every overview format shares.
enum MermaidStyle {
    static let classDefinitions =
        [LifecycleOverview.Kind.main, .side, .terminal].map { kind in
            let colours = OverviewStyle.colours(kind)
            return "classDef \(kind.rawValue) fill:\(colours.fill),stroke:\(colours.stroke),color:#0f172a"
        } + ["classDef group fill:#ffffff,stroke:#94a3b8,stroke-dasharray:4 4,color:#475569"]
}

/// The JSON shape of `maestro graph --format json` (the overview): what a UI needs to draw it.
private struct OverviewDocument: Encodable {
    struct State: Encodable {
        var name, kind: String
        var row, column: Int
        var initial, terminal: Bool
    }
    struct Edge: Encodable {
        var from, to: String
        var events: [String]
    }
    struct Group: Encodable {
        var number: Int
        var to: String
        var events, states: [String]
        var sources: String
    }
    struct Legend: Encodable {
        var key, text: String
    }
    var view = "overview"
    var title: String
    var policy: GraphDocument.Policy
    var initial: String
    var mainPath: [String]
    var states: [State]
    var edges: [Edge]
    var groups: [Group]
    var legend: [Legend]
}
