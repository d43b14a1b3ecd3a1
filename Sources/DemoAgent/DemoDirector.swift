public import Foundation
public import Runtime
public import ServiceLifecycle
import StateMachine
import Synchronization

/// Plays the operator in `maestro demo`: prints a line per transition and a progress bar, answers
/// a question nobody answered after a few seconds, cancels the long job once it runs, and ends the
/// demo when the board is finished.
public struct DemoDirector: Service {
    public struct Settings: Sendable {
        /// A question unanswered this long gets the first answer it offers.
        public var answerAfter: Duration = .seconds(5)
        /// The long-running issue is cancelled once it has run this long.
        public var cancelAfter: Duration = .seconds(4)
        /// The demo gives up after this long.
        public var timeout: Duration = .seconds(300)
        /// Stay up (dashboard included) after the board is finished, until interrupted.
        public var keepRunning = false

        public init() {}
    }

    /// Where the director writes: permanent lines, and the progress line that a terminal redraws.
    public struct Output: Sendable {
        public var line: @Sendable (String) -> Void
        public var progress: @Sendable (String) -> Void

        public init(line: @escaping @Sendable (String) -> Void, progress: @escaping @Sendable (String) -> Void) {
            self.line = line
            self.progress = progress
        }
    }

    /// How the demo ended, for the command's exit status.
    public final class Outcome: Sendable {
        private let state = Mutex<(finished: Bool, shown: Set<DemoProgress.Path>)>((false, []))
        public init() {}
        public var finished: Bool { state.withLock { $0.finished } }
        public var everyPathShown: Bool { state.withLock { $0.shown.count == DemoProgress.Path.allCases.count } }
        func record(finished: Bool, shown: Set<DemoProgress.Path>) { state.withLock { $0 = (finished, shown) } }
    }

    /// What the director does next; decided from the progress alone.
    public enum Action: Hashable, Sendable {
        case answer(issue: String, requestId: String, text: String)
        case cancel(String)
        case close(String)
    }

    let api: RuntimeAPI
    let settings: Settings
    let output: Output
    let outcome: Outcome
    /// Called once when the demo is over (finished, or timed out) and should stop.
    let stop: @Sendable () -> Void
    /// The log position before the sample board was created.
    let after: Int64
    let startedAt: Date

    public init(
        api: RuntimeAPI, settings: Settings, output: Output, outcome: Outcome, after: Int64, startedAt: Date,
        stop: @escaping @Sendable () -> Void
    ) {
        self.api = api
        self.settings = settings
        self.output = output
        self.outcome = outcome
        self.after = after
        self.startedAt = startedAt
        self.stop = stop
    }

    public func run() async throws {
        let identifiers = DemoBoard.issues.indices.map { "\(DemoBoard.projectKey)-\($0 + 1)" }
        let blockers = Dictionary(uniqueKeysWithValues: zip(identifiers, DemoBoard.issues.map(\.blockedBy)))
        var progress = DemoProgress(issues: identifiers, blockers: blockers, startedAt: startedAt)
        var cursor = after
        var done = Set<Action>()
        var over = false
        let store = api.store
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let generation = store.changes.generation
            for transition in (try? await api.transitions(after: cursor)) ?? [] {
                cursor = transition.seq
                let step = DemoProgress.Step(
                    issue: transition.issue, from: transition.from, to: transition.to, event: transition.event, details: transition.details,
                    at: transition.at)
                progress.observe(step)
                if progress.states[step.issue] != nil { output.line(progress.line(for: step)) }
            }
            let requests = (try? await api.pendingRequests()) ?? []
            for action in Self.actions(progress, requests: requests, now: Date(), settings: settings) where !done.contains(action) {
                done.insert(action)
                await perform(action)
            }
            output.progress(progress.bar())
            let timedOut = Date().timeIntervalSince(startedAt) > settings.timeout.seconds
            if !over && (progress.isFinished || timedOut) {
                over = true
                if timedOut && !progress.isFinished {
                    output.line("maestro demo: the board did not finish within \(Int(settings.timeout.seconds)) s")
                }
                output.line(progress.summary(at: Date()))
                outcome.record(finished: progress.isFinished, shown: progress.shown)
                if settings.keepRunning {
                    output.line("the daemon and dashboard stay up: press Ctrl-C to stop")
                } else {
                    stop()
                }
            }
            _ = try? await withTimeout(.milliseconds(250)) { await store.changes.wait(after: generation) }
        }
    }

    /// Answers due, the cancel due, and closing a cancelled issue.
    public static func actions(_ progress: DemoProgress, requests: [AgentRequestView], now: Date, settings: Settings) -> [Action] {
        var actions: [Action] = []
        for request in requests where progress.states[request.issue] != nil {
            if now.timeIntervalSince(request.createdAt) >= settings.answerAfter.seconds {
                let offered = request.accepts.first ?? request.detail.questions.first?.options.first
                actions.append(.answer(issue: request.issue, requestId: request.id, text: offered ?? "go ahead"))
            }
        }
        let long = DemoBoard.issues.firstIndex { $0.labels.contains(DemoBehaviour.longRunning.rawValue) }.map { "\(DemoBoard.projectKey)-\($0 + 1)" }
        if let long {
            if let running = progress.since(long, in: .running), now.timeIntervalSince(running) >= settings.cancelAfter.seconds {
                actions.append(.cancel(long))
            }
            if progress.states[long] == .released { actions.append(.close(long)) }
        }
        return actions
    }

    private func perform(_ action: Action) async {
        do {
            switch action {
            case .answer(let issue, let requestId, let text):
                output.line("        demo     answering \(issue) “\(text)” (nobody answered within \(Int(settings.answerAfter.seconds)) s)")
                _ = try await api.submit(.answer, to: issue, answer: text, requestId: requestId)
            case .cancel(let issue):
                output.line("        demo     cancelling \(issue), as an operator would")
                _ = try await api.submit(.cancel, to: issue)
            case .close(let issue):
                output.line("        demo     moving \(issue) to cancelled")
                _ = try await api.moveIssue(issue, to: "cancelled")
            }
        } catch {
            output.line("        demo     \(action) failed: \(error)")
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
