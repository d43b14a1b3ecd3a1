import Foundation
import Logging
import StateMachine

/// A committed transition in words a user knows, for the daemon's log: `MEM-3: running -> retrying:
/// the run failed (turn failed: …); retry in 10 s`.
enum TransitionWords {
    static func sentence(_ record: TransitionRecord) -> String {
        let details = record.payloadObject
        var text = "\(record.identifier): \(record.fromState.rawValue) -> \(record.toState.rawValue): \(cause(record.event, details))"
        if let error = details["error"], !error.isEmpty { text += " (\(shortened(error)))" }
        if let due = details["dueInMs"].flatMap(Int.init), record.toState == .retrying { text += "; again in \(duration(due))" }
        return text
    }

    /// Failures and blocks that need an operator are warnings; the rest is information.
    static func level(_ record: TransitionRecord) -> Logger.Level {
        if record.event == .runFailed || record.event == .workspaceFailed { return .warning }
        let block = record.payloadObject["effects"]?.split(separator: " ").first { $0.hasPrefix("record_block:") }
        if let block, block.hasSuffix("retries_exhausted") || block.hasSuffix("budget_exhausted") { return .warning }
        return .info
    }

    private static func cause(_ event: LifecycleEvent, _ details: [String: String]) -> String {
        switch event {
        case .dispatch: "picked for a free slot"
        case .workspaceReady: "workspace ready, the agent starts"
        case .workspaceFailed: "preparing the workspace failed"
        case .runEnded: "the run ended" + (details["standing"].map { " (tracker: \(words($0)))" } ?? "")
        case .runFailed: "the run failed"
        case .inputRequired: "the agent waits for an operator" + (details["question"].map { ": \(shortened($0))" } ?? "")
        case .operatorAnswered: "an operator answered"
        case .retryDue: "its retry is due"
        case .trackerUpdated:
            "the tracker changed" + (details["trackerState"].map { " to '\($0)'" } ?? "") + (details["standing"].map { " (\(words($0)))" } ?? "")
        case .pause: "paused by an operator"
        case .resume: "resumed by an operator"
        case .cancel: "cancelled by an operator"
        case .retryNow: "retried by an operator"
        case .interrupted: "interrupted" + (details["reason"].map { " (\($0))" } ?? "")
        }
    }

    /// A standing token as words: `moved_to_review` → `moved to review`.
    private static func words(_ token: String) -> String { token.replacingOccurrences(of: "_", with: " ") }

    private static func shortened(_ text: String, limit: Int = 300) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }

    private static func duration(_ milliseconds: Int) -> String {
        milliseconds < 1_000 ? "\(milliseconds) ms" : milliseconds % 1_000 == 0 ? "\(milliseconds / 1_000) s" : "\(Double(milliseconds) / 1_000) s"
    }
}
