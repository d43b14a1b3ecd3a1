import Foundation

/// The formats `maestro graph` prints.
public enum GraphFormat: String, Sendable, CaseIterable {
    case mermaid, dot, json, text, svg
}

/// What `maestro graph` draws.
public enum GraphView: String, Sendable, CaseIterable {
    /// One edge per state pair labelled with its events, edges from many states drawn once, the main
    /// path in one line: ``LifecycleOverview``.
    case overview
    /// Every transition with its guard and effects, exactly as compiled.
    case full
}

extension CompiledMachine {
    /// Renders the machine in `format`. The full view labels every transition `event [guard] /
    /// effects`; the overview is ``LifecycleOverview``. SVG is drawn by maestro itself; to show
    /// counts in it use ``renderSVG(view:counts:)``.
    public func render(_ format: GraphFormat, view: GraphView = .full) -> String {
        switch (view, format) {
        case (_, .svg): renderSVG(view: view)
        case (.full, .mermaid): renderMermaid()
        case (.full, .dot): renderDot()
        case (.full, .json): renderJSON()
        case (.full, .text): renderText()
        case (.overview, .mermaid): LifecycleOverview(self).renderMermaid()
        case (.overview, .dot): LifecycleOverview(self).renderDot()
        case (.overview, .json): LifecycleOverview(self).renderJSON()
        case (.overview, .text): LifecycleOverview(self).renderText()
        }
    }

    private func renderMermaid() -> String {
        var lines = ["---", "title: \"maestro lifecycle (\(policy.summary))\"", "---", "stateDiagram-v2"]
        lines.append("    [*] --> \(Self.initialState.rawValue)")
        for transition in transitions {
            lines.append("    \(transition.from.rawValue) --> \(transition.to.rawValue) : \(transition.label(policy))")
        }
        for state in states where state.isTerminal {
            lines.append("    \(state.rawValue) --> [*]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func renderDot() -> String {
        var lines = [
            "digraph maestro {",
            "    label=\"\(dotEscaped("maestro lifecycle (\(policy.summary))"))\";",
            "    labelloc=t;",
            "    rankdir=LR;",
            "    node [shape=box, style=rounded];",
            "    start [shape=point, label=\"\"];",
        ]
        for state in states {
            let shape = state.isTerminal ? ", peripheries=2" : ""
            lines.append("    \(state.rawValue) [label=\"\(state.rawValue)\"\(shape)];")
        }
        lines.append("    start -> \(Self.initialState.rawValue);")
        for transition in transitions {
            lines.append(
                "    \(transition.from.rawValue) -> \(transition.to.rawValue) [label=\"\(dotEscaped(transition.label(policy)))\"];"
            )
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func renderText() -> String {
        var lines = ["maestro lifecycle (\(policy.summary))", ""]
        for state in states {
            let marks = [state == Self.initialState ? "initial" : nil, state.isTerminal ? "terminal" : nil]
                .compactMap { $0 }
            lines.append(state.rawValue + (marks.isEmpty ? "" : " (" + marks.joined(separator: ", ") + ")"))
            for transition in transitions(from: state) {
                var line = "  \(transition.event.rawValue)"
                if !transition.guards.isEmpty {
                    line += " [" + transition.guards.map { $0.label(policy) }.joined(separator: " and ") + "]"
                }
                line += " -> \(transition.to.rawValue)"
                if !transition.effects.isEmpty {
                    line += " / " + transition.effects.map { $0.label(policy) }.joined(separator: ", ")
                }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func renderJSON() -> String {
        let document = GraphDocument(
            policy: .init(policy),
            initial: Self.initialState.rawValue,
            states: states.map { .init(name: $0.rawValue, terminal: $0.isTerminal, runState: $0.isRunState) },
            transitions: transitions.map {
                .init(
                    from: $0.from.rawValue, event: $0.event.rawValue, guards: $0.guards.map(\.token),
                    to: $0.to.rawValue, effects: $0.effects.map(\.token), label: $0.label(policy))
            },
            rejections: rejections.map {
                .init(
                    state: $0.state.rawValue, event: $0.event.rawValue, guards: $0.guards.map(\.token),
                    code: $0.code, message: $0.message)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// The JSON shape of `maestro graph --view full --format json`.
struct GraphDocument: Encodable {
    struct Policy: Encodable {
        var review: String
        var donePhase: Bool
        var maxConcurrentAgents: Int
        var maxConcurrentAgentsByState: [String: Int]
        var continuationDelayMs: Int
        var retryBaseDelayMs: Int
        var maxRetryBackoffMs: Int
        var maxAutomaticRetries: Int
        var trackerStates: [String: String]

        init(_ policy: MachinePolicy) {
            review = policy.review.rawValue
            donePhase = policy.donePhase
            maxConcurrentAgents = policy.maxConcurrentAgents
            maxConcurrentAgentsByState = policy.maxConcurrentAgentsByState
            continuationDelayMs = policy.continuationDelayMs
            retryBaseDelayMs = policy.retryBaseDelayMs
            maxRetryBackoffMs = policy.maxRetryBackoffMs
            maxAutomaticRetries = policy.maxAutomaticRetries
            let states = policy.trackerStates
            trackerStates = [:]
            if let claimed = states.claimed { trackerStates["claimed"] = claimed }
            if let review = states.review { trackerStates["review"] = review }
            if let done = states.done { trackerStates["done"] = done }
        }
    }
    struct State: Encodable {
        var name: String
        var terminal: Bool
        var runState: Bool
    }
    struct Edge: Encodable {
        var from, event: String
        var guards: [String]
        var to: String
        var effects: [String]
        var label: String
    }
    struct Rule: Encodable {
        var state, event: String
        var guards: [String]
        var code, message: String
    }
    var policy: Policy
    var initial: String
    var states: [State]
    var transitions: [Edge]
    var rejections: [Rule]
}
