public import Foundation
public import StateMachine

/// What the demo has shown so far, from the transitions it observed: pure, so the story and the
/// summary are tested without a daemon.
public struct DemoProgress: Sendable {
    /// One observed transition.
    public struct Step: Sendable, Hashable {
        public var issue: String
        public var from: LifecycleState
        public var to: LifecycleState
        public var event: LifecycleEvent
        public var details: [String: String]
        public var at: Date

        public init(issue: String, from: LifecycleState, to: LifecycleState, event: LifecycleEvent, details: [String: String] = [:], at: Date) {
            self.issue = issue
            self.from = from
            self.to = to
            self.event = event
            self.details = details
            self.at = at
        }
    }

    /// The lifecycle paths the demo exists to show.
    public enum Path: String, Sendable, Hashable, CaseIterable {
        case questionAnswered = "question answered"
        case retried = "failed run retried"
        case blockerReleased = "blocker released"
        case cancelled = "cancelled"
    }

    public let issues: [String]
    /// Each issue's blockers.
    public let blockers: [String: [String]]
    public let startedAt: Date
    public private(set) var states: [String: LifecycleState]
    public private(set) var stories: [String: [Step]] = [:]

    public init(issues: [String], blockers: [String: [String]], startedAt: Date) {
        self.issues = issues
        self.blockers = blockers
        self.startedAt = startedAt
        states = Dictionary(uniqueKeysWithValues: issues.map { ($0, .queued) })
    }

    public mutating func observe(_ step: Step) {
        guard states[step.issue] != nil else { return }
        states[step.issue] = step.to
        stories[step.issue, default: []].append(step)
    }

    public var closed: Int { states.values.filter { $0 == .closed }.count }
    public var isFinished: Bool { closed == issues.count }

    public func count(_ state: LifecycleState) -> Int { states.values.filter { $0 == state }.count }

    /// When `issue` last entered `state`, if it is there now.
    public func since(_ issue: String, in state: LifecycleState) -> Date? {
        guard states[issue] == state else { return nil }
        return stories[issue]?.last { $0.to == state }?.at
    }

    public var shown: Set<Path> {
        var paths = Set<Path>()
        let steps = stories.values.joined()
        if steps.contains(where: { $0.event == .operatorAnswered }) { paths.insert(.questionAnswered) }
        if steps.contains(where: { $0.event == .retryDue && $0.from == .retrying }) && steps.contains(where: { $0.event == .runFailed }) {
            paths.insert(.retried)
        }
        if steps.contains(where: { $0.event == .cancel }) { paths.insert(.cancelled) }
        for (issue, blocking) in blockers where !blocking.isEmpty {
            // A blocker stops blocking once its tracker state is terminal, which its review run
            // sets when it moves the issue. Its lifecycle reaches done only when that run ends,
            // which a loaded machine can commit after the blocked issue's dispatch, so the release
            // counts from the review on.
            let finishedAt = blocking.compactMap { blocker in stories[blocker]?.first { $0.to == .review }?.at }
            guard finishedAt.count == blocking.count, let lastFinished = finishedAt.max(),
                let dispatched = stories[issue]?.first(where: { $0.event == .dispatch })?.at
            else { continue }
            if dispatched >= lastFinished { paths.insert(.blockerReleased) }
        }
        return paths
    }

    /// A transition as a line: seconds since the start, the issue, the move and why.
    public func line(for step: Step) -> String {
        let seconds = String(format: "%6.1fs", max(0, step.at.timeIntervalSince(startedAt)))
        var text = "\(seconds)  \(step.issue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(step.from.rawValue) → \(step.to.rawValue)"
        text += "  (\(step.event.rawValue)"
        if let question = step.details["question"] { text += ": \(question)" }
        if let answer = step.details["answer"] { text += ": “\(answer)”" }
        if let error = step.details["error"] { text += ": \(error)" }
        return text + ")"
    }

    /// `[#####-----] 5/8 finished · 2 running · 1 retrying · 0 blocked`
    public func bar(width: Int = 20) -> String {
        let filled = issues.isEmpty ? 0 : closed * width / issues.count
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + "\(closed)/\(issues.count) finished · \(count(.running) + count(.review) + count(.done)) running · "
            + "\(count(.retrying)) retrying · \(count(.blocked)) blocked"
    }

    /// What each issue went through, and which of the paths were shown.
    public func summary(at now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(startedAt).rounded())
        var lines = ["maestro demo: \(closed) of \(issues.count) issues finished in \(seconds) s"]
        for issue in issues {
            let steps = stories[issue] ?? []
            let cancelled = steps.contains { $0.event == .cancel }
            var notes: [String] = []
            if cancelled { notes.append("cancelled while it ran") }
            if let answer = steps.first(where: { $0.event == .operatorAnswered })?.details["answer"] { notes.append("question answered “\(answer)”") }
            let failures = steps.filter { $0.event == .runFailed }.count
            if failures > 0 { notes.append("failed \(failures)× then retried") }
            if let blocking = blockers[issue], !blocking.isEmpty { notes.append("waited for \(blocking.joined(separator: ", "))") }
            let state = states[issue] == .closed ? (cancelled ? "cancelled" : "done") : states[issue]?.rawValue ?? "?"
            lines.append("  \(issue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(state.padding(toLength: 9, withPad: " ", startingAt: 0))  \(steps.count) transitions\(notes.isEmpty ? "" : " · " + notes.joined(separator: " · "))")
        }
        let shown = shown
        lines.append("paths shown: " + Path.allCases.map { "\($0.rawValue) \(shown.contains($0) ? "✓" : "✗")" }.joined(separator: " · "))
        return lines.joined(separator: "\n")
    }
}
