import Foundation

/// What a turn's prompt asks of the demo agent.
///
/// The demo workflow's prompts carry plain `demo.<key>: value` lines; the agent reads nothing else
/// (it is a script, not a model). A prompt without them gets the default: note the turn in a file
/// and end it.
public struct DemoDirectives: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        case implementation, review, done
    }

    public var phase: Phase
    public var identifier: String
    public var title: String
    /// The tracker state to move the issue to when the phase's work is done.
    public var moveTo: String?
    public var behaviours: Set<DemoBehaviour>

    public init(
        phase: Phase = .implementation, identifier: String = "issue", title: String = "", moveTo: String? = nil,
        behaviours: Set<DemoBehaviour> = []
    ) {
        self.phase = phase
        self.identifier = identifier
        self.title = title
        self.moveTo = moveTo
        self.behaviours = behaviours
    }

    /// Reads the `demo.*` lines of `prompt`; unknown keys and values are ignored.
    public static func parse(_ prompt: String) -> DemoDirectives {
        var directives = DemoDirectives()
        for line in prompt.split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("demo."), let colon = text.firstIndex(of: ":") else { continue }
            let key = text[text.index(text.startIndex, offsetBy: 5)..<colon]
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "phase": directives.phase = Phase(rawValue: value) ?? directives.phase
            case "issue" where !value.isEmpty: directives.identifier = value
            case "title": directives.title = value
            case "move_to": directives.moveTo = value.isEmpty ? nil : value
            case "labels":
                directives.behaviours = Set(value.split(separator: ",").compactMap { DemoBehaviour(rawValue: $0.trimmingCharacters(in: .whitespaces)) })
            default: continue
            }
        }
        return directives
    }
}

/// Behaviours the sample issues ask for through their labels.
public enum DemoBehaviour: String, Sendable, Hashable, CaseIterable {
    /// Asks the operator a question and waits for the answer before writing its file.
    case asksQuestion = "asks-question"
    /// Fails its first attempt, so the run retries with backoff.
    case failsOnce = "fails-once"
    /// Works for minutes, reporting progress (the demo cancels it).
    case longRunning = "long-running"
}
