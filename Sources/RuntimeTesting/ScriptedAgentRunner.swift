public import Foundation
public import Runtime
public import StateMachine
import Synchronization

/// An agent that follows a script, for orchestrator tests without processes: it can keep its turn
/// open after moving its issue, stream telemetry, ask questions and wait for the answers, ignore a
/// stop for a while, or fail.
public final class ScriptedAgentRunner: AgentRunner {
    public enum Step: Sendable, Hashable {
        /// Reports protocol activity.
        case activity(String, message: String? = nil)
        /// Reports thread token totals.
        case tokens(input: Int, output: Int)
        /// Moves the run's issue to a tracker state, as an agent's tool call would.
        case move(to: String)
        /// Keeps the turn open this long (ends early when asked to stop).
        case wait(Duration)
        /// Keeps the turn open this long, reporting activity and growing tokens every `every`.
        case busy(Duration, every: Duration)
        /// Asks an operator (reports `input_required`) without waiting yet.
        case ask(id: String, question: String, options: [String] = [])
        /// Asks for an approval without waiting yet.
        case approval(id: String, command: String)
        /// Waits until every request asked so far is answered (or the run is stopped).
        case awaitAnswers
        /// Completes the turn; the run goes on only while `shouldContinue` says so.
        case endTurn
        /// Ends the run as failed.
        case fail(String)
        /// From now on, a stop request is honoured only after this long.
        case ignoreStop(Duration)
        /// From now on, a stop ends the run as failed with this reason, as a run whose read timed
        /// out while it was being stopped reports.
        case failWhenStopped(String)
        /// Reports the account's rate limits.
        case rateLimits(JSONValue)
    }

    /// What one run did.
    public struct Record: Sendable, Hashable {
        public var identifier: String
        public var phase: Phase
        public var answers: [AgentAnswer] = []
        public var stopRequested = false
        public var ending: AgentRunEnding?
        public var endedAt: Date?
        /// Whether the run's workspace still existed when the run ended.
        public var workspaceExistedAtEnd: Bool?
    }

    private let script: @Sendable (AgentRunRequest) -> [Step]
    private let move: @Sendable (String, String) async throws -> Void
    private let state = Mutex((records: [Record](), live: 0, maxLive: 0))
    private let changes = ChangeSignal()

    /// - Parameters:
    ///   - script: the steps of a run; a run without steps completes one turn at once.
    ///   - move: how a `.move` step moves an issue (identifier, tracker state): the daemon's API.
    public init(
        script: @escaping @Sendable (AgentRunRequest) -> [Step],
        move: @escaping @Sendable (String, String) async throws -> Void = { _, _ in }
    ) {
        self.script = script
        self.move = move
    }

    /// Every run so far, in start order.
    public var records: [Record] { state.withLock { $0.records } }
    /// Runs live now.
    public var liveRuns: Int { state.withLock { $0.live } }
    /// The most runs that were live at once.
    public var maxLiveRuns: Int { state.withLock { $0.maxLive } }

    /// Waits until `condition` holds over the records (checked at every change), up to `limit`.
    public func wait(upTo limit: Duration = .seconds(10), until condition: @escaping @Sendable ([Record]) -> Bool) async -> Bool {
        let changes = changes
        return
            (try? await withTimeout(limit) { [self] in
                while true {
                    let generation = changes.generation
                    if condition(records) { return true }
                    await changes.wait(after: generation)
                    try Task.checkCancellation()
                }
            }) ?? nil ?? false
    }

    private func update(_ index: Int, _ change: (inout Record) -> Void) {
        state.withLock { change(&$0.records[index]) }
        changes.notify()
    }

    public func run(
        _ request: AgentRunRequest, control: AgentRunControl, report: @escaping @Sendable (AgentRunReport) async -> Void,
        shouldContinue: @escaping @Sendable () async -> Bool
    ) async -> AgentRunEnding {
        let index = state.withLock { state -> Int in
            state.records.append(Record(identifier: request.identifier, phase: request.phase))
            state.live += 1
            state.maxLive = max(state.maxLive, state.live)
            return state.records.count - 1
        }
        changes.notify()
        let answered = AnsweredRequests()
        let answerSignal = ChangeSignal()
        let ending = await withTaskGroup(of: AgentRunEnding?.self) { group in
            group.addTask {
                for await answer in control.answers {
                    answered.insert(answer.requestId)
                    self.update(index) { $0.answers.append(answer) }
                    answerSignal.notify()
                }
                return nil
            }
            let ending = await perform(
                script(request), request: request, control: control, report: report, shouldContinue: shouldContinue,
                answered: answered, answerSignal: answerSignal)
            control.stop(reason: control.stopReason ?? "run ended")
            await group.waitForAll()
            return ending
        }
        state.withLock { $0.live -= 1 }
        update(index) {
            $0.ending = ending
            $0.stopRequested = control.stopReason != nil && control.stopReason != "run ended"
            $0.endedAt = Date()
            $0.workspaceExistedAtEnd = FileManager.default.fileExists(atPath: request.workspacePath)
        }
        return ending
    }

    private func perform(
        _ steps: [Step], request: AgentRunRequest, control: AgentRunControl, report: @escaping @Sendable (AgentRunReport) async -> Void,
        shouldContinue: @escaping @Sendable () async -> Bool, answered: AnsweredRequests, answerSignal: ChangeSignal
    ) async -> AgentRunEnding {
        var turns = 1
        var stopGrace: Duration?
        var stopEnding = AgentRunEnding.stopped
        var asked: Set<String> = []
        var tokens = TokenCounts()
        await report(.threadStarted("thread-\(request.identifier)-\(request.phase.rawValue)"))
        await report(.turnStarted(1))
        func stopped() async -> Bool {
            guard control.stopReason != nil else { return false }
            if let grace = stopGrace {
                try? await Task.sleep(for: grace)
                stopGrace = nil
            }
            return true
        }
        for step in steps {
            if await stopped() { return stopEnding }
            switch step {
            case .activity(let event, let message):
                await report(.activity(event: event, message: message))
            case .tokens(let input, let output):
                tokens = TokenCounts(input: input, output: output, total: input + output)
                await report(.tokens(tokens))
            case .move(let state):
                do {
                    try await move(request.identifier, state)
                    await report(.activity(event: "item/tool/call", message: "moved to \(state)"))
                } catch {
                    await report(.diagnostic("move failed: \(error)"))
                }
            case .wait(let duration):
                await Self.sleep(duration, unless: control)
            case .busy(let duration, let every):
                let deadline = ContinuousClock.now + duration
                while ContinuousClock.now < deadline, control.stopReason == nil {
                    await Self.sleep(min(every, deadline - ContinuousClock.now), unless: control)
                    tokens = TokenCounts(input: tokens.input + 100, output: tokens.output + 10, total: tokens.total + 110)
                    await report(.tokens(tokens))
                    await report(.activity(event: "item/agentMessage/delta", message: nil))
                }
            case .ask(let id, let question, let options):
                asked.insert(id)
                let detail = AgentRequestDetail(
                    questions: [.init(id: "q-\(id)", header: nil, question: question, options: options, allowsOther: options.isEmpty)])
                await report(.inputRequired(AgentRequest(id: id, kind: "question", summary: question, detail: detail)))
            case .approval(let id, let command):
                asked.insert(id)
                await report(
                    .inputRequired(
                        AgentRequest(id: id, kind: "approval", summary: "run \(command)", detail: AgentRequestDetail(command: command))))
            case .awaitAnswers:
                while control.stopReason == nil {
                    let generation = answerSignal.generation
                    if asked.isSubset(of: answered.ids) { break }
                    await Self.wait(answerSignal, after: generation, unless: control)
                }
                await report(.activity(event: "item/completed", message: "answers received"))
            case .endTurn:
                await report(.activity(event: "turn/completed", message: "turn \(turns) done"))
                guard await shouldContinue() else { return .completed(turns: turns) }
                turns += 1
                await report(.turnStarted(turns))
            case .fail(let reason):
                return .failed(reason)
            case .ignoreStop(let grace):
                stopGrace = grace
            case .failWhenStopped(let reason):
                stopEnding = .failed(reason)
            case .rateLimits(let limits):
                await report(.rateLimits(limits))
            }
        }
        if await stopped() { return stopEnding }
        await report(.activity(event: "turn/completed", message: "turn \(turns) done"))
        return .completed(turns: turns)
    }

    private static func sleep(_ duration: Duration, unless control: AgentRunControl) async {
        _ = try? await withTimeout(duration) { await control.waitForStop() }
    }

    private static func wait(_ signal: ChangeSignal, after generation: UInt64, unless control: AgentRunControl) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(after: generation) }
            group.addTask { await control.waitForStop() }
            await group.next()
            group.cancelAll()
        }
    }
}

/// The request ids a run has received answers for.
private final class AnsweredRequests: Sendable {
    private let state = Mutex<Set<String>>([])

    func insert(_ id: String) { state.withLock { _ = $0.insert(id) } }
    var ids: Set<String> { state.withLock { $0 } }
}
