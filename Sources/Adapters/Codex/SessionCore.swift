internal import Foundation
import Runtime

/// A dynamic tool call waiting to be executed off the reader task.
struct ToolJob: Sendable {
    var id: CodexRequestID
    var callID: String?
    var tool: String
    var arguments: JSONValue
}

/// The run ended because ``CodexRunner/stop()`` was called.
struct StopRequested: Error {}

/// The single owner of a session's mutable state: request ids, pending replies, operator requests,
/// telemetry, last activity. The stdout reader feeds it; the driver and the public API query it.
actor SessionCore {
    /// Dynamic tool calls running at once, at most.
    static let maxToolCallsInFlight = 16

    let policies: SessionPolicies
    let tools: [AgentToolSpec]
    private let emitter: BoundedQueue<RunnerEvent>
    let replies = ReplyTable<Int, JSONValue>()
    let turnEnds = ReplyTable<String, TurnResult>()

    var outgoing: BoundedQueue<[UInt8]>?
    var toolJobs: AsyncStream<ToolJob>.Continuation?
    /// Dynamic tool calls answered by nobody yet; past ``maxToolCallsInFlight`` new ones fail at once.
    var toolCallsInFlight = 0
    /// How much of the recent stdout was not the protocol, and its last such lines.
    var gauge = OutputGauge()
    /// Set when the output was found to be mostly not the protocol: the run fails with it, and
    /// what the process writes afterwards is read and dropped.
    private(set) var fatal: CodexRunnerError?
    var nextRequestID = 1
    var requestMethods: [Int: String] = [:]

    private(set) var process: ProcessIdentity?
    var threadID: String?
    var currentTurn: TurnStarted?
    /// The turn the server has announced with `turn/started`; only then does it accept `turn/interrupt`.
    var activeTurnID: String?
    /// An interrupt asked for before the turn became active, sent when it does.
    var interruptWhenActive: String?
    /// Requests nobody waits for (a deferred interrupt); their replies are dropped.
    var detachedRequests: Set<Int> = []
    var turnsStarted = 0
    var lastAgentMessage: String?
    var accountant: TokenAccountant
    var rateLimits = RateLimitSnapshot()
    var operatorRequests: [CodexRequestID: PendingServerRequest] = [:]
    var itemSummaries: [String: String] = [:]
    var lastActivity = ContinuousClock.now
    var lastActivityDate = Date()
    var lastEvent: String?
    var lastMessage: String?
    /// Streaming deltas read but not yet reported: one event per burst, not per token.
    var deltaBurst: AgentActivity?
    private var stderrTail: [String] = []
    private let stderrTailLimit: Int
    private(set) var outputEnded = false
    private(set) var stopRequested = false

    init(
        policies: SessionPolicies, tools: [AgentToolSpec], initialTokens: TokenTotals, stderrTailLimit: Int,
        emitter: BoundedQueue<RunnerEvent>
    ) {
        self.policies = policies
        self.tools = tools
        self.accountant = TokenAccountant(startingFrom: initialTokens)
        self.stderrTailLimit = stderrTailLimit
        self.emitter = emitter
    }

    // MARK: - Connection

    func connect(process: ProcessIdentity, outgoing: BoundedQueue<[UInt8]>, toolJobs: AsyncStream<ToolJob>.Continuation) {
        self.process = process
        self.outgoing = outgoing
        self.toolJobs = toolJobs
        emit(.processLaunched(process))
    }

    /// Sends a request and returns its id; the reply arrives through ``replies``.
    func startRequest(_ method: String, params: JSONValue) throws -> Int {
        if let fatal { throw fatal }
        guard !outputEnded else { throw CodexRunnerError.processExited(exitSoFar) }
        guard let outgoing else { throw CodexRunnerError.notConnected }
        let id = nextRequestID
        nextRequestID += 1
        requestMethods[id] = method
        replies.expect(id)
        outgoing.push(WireFormat.request(id: id, method: method, params: params))
        return id
    }

    func method(ofRequest id: Int) -> String { requestMethods[id] ?? "request \(id)" }

    /// Gives up on request `id` (its read timeout passed): a late reply is reported as unexpected
    /// and changes nothing.
    func abandonRequest(_ id: Int) {
        requestMethods[id] = nil
        replies.abandon(id)
    }

    func sendInitialized() {
        outgoing?.push(WireFormat.notification(method: "initialized"))
    }

    /// Closes stdin: the app-server exits on EOF, even mid-turn.
    func closeInput() {
        outgoing?.finish()
        outgoing = nil
        toolJobs?.finish()
        toolJobs = nil
    }

    func respond(_ id: CodexRequestID, _ result: JSONValue) {
        outgoing?.push(WireFormat.response(id: id, result: result))
    }

    // MARK: - Answers and tools

    /// Delivers an operator's answer. Returns `true` when the turn should be interrupted afterwards.
    func answer(_ id: CodexRequestID, with answer: OperatorAnswer) throws(CodexRunnerError) -> Bool {
        guard let pending = operatorRequests[id] else { throw .unknownRequest(id) }
        guard let (result, interrupt) = ServerRequests.result(for: answer, kind: pending.kind, params: pending.params) else {
            throw .answerDoesNotFit(id, pending.kind)
        }
        guard outgoing != nil else { throw .notConnected }
        operatorRequests[id] = nil
        respond(id, result)
        // The silence while an operator decided was not the agent's: restart the idle window.
        lastActivity = .now
        emit(.operatorRequestResolved(id: id, answered: true))
        return interrupt
    }

    func finishToolCall(_ job: ToolJob, result: AgentToolResult, advertised: Bool) {
        toolCallsInFlight = max(0, toolCallsInFlight - 1)
        respond(job.id, result.response)
        emit(
            .toolCall(
                ToolCallReport(callID: job.callID, tool: job.tool, advertised: advertised, success: result.success, text: Self.shorten(result.text))))
    }

    // MARK: - Driver bookkeeping

    func turnFinished() { currentTurn = nil }

    /// The ids for `turn/interrupt` if the running turn is active now; otherwise the interrupt is
    /// remembered and sent when `turn/started` arrives (the server refuses it before that).
    func interruptNowOrWhenActive() throws(CodexRunnerError) -> (threadID: String, turnID: String)? {
        guard let turn = currentTurn, let threadID else { throw .noRunningTurn }
        if activeTurnID == turn.turnID { return (threadID, turn.turnID) }
        interruptWhenActive = turn.turnID
        return nil
    }

    /// When the idle window of the running turn closes; `nil` while an operator answer is due.
    func idleDeadline(after timeout: Duration) -> ContinuousClock.Instant? {
        operatorRequests.isEmpty ? lastActivity + timeout : nil
    }

    /// The reader saw end of stream: the process is gone (or closed stdout, which is as bad).
    func outputDidEnd() {
        outputEnded = true
        let exit = CodexRunnerError.processExited(exitSoFar)
        replies.close(with: exit)
        turnEnds.close(with: exit)
        closeInput()
        for id in operatorRequests.keys.sorted(by: { $0.description < $1.description }) {
            emit(.operatorRequestResolved(id: id, answered: false))
        }
        operatorRequests = [:]
    }

    func requestStop() {
        stopRequested = true
        turnEnds.close(with: StopRequested())
        if currentTurn == nil { replies.close(with: StopRequested()) }
    }

    func diagnostic(_ line: String) {
        stderrTail.append(line)
        if stderrTail.count > stderrTailLimit { stderrTail.removeFirst(stderrTail.count - stderrTailLimit) }
        emit(.diagnostic(line))
    }

    var stderrLines: [String] { stderrTail }

    /// What is known of the process's end before its status is: the tails of what it wrote.
    var exitSoFar: ProcessExit { ProcessExit(exitCode: nil, signal: nil, stderrTail: stderrTail, stdoutTail: gauge.tail) }

    /// The output is mostly not the protocol: fail every waiter with `error`, once.
    func failOutput(_ error: CodexRunnerError) {
        guard fatal == nil else { return }
        fatal = error
        replies.close(with: error)
        turnEnds.close(with: error)
    }

    var tokenTotals: TokenTotals { accountant.totals }

    func emit(_ kind: RunnerEvent.Kind) {
        flushDeltaBurst()
        emitter.push(RunnerEvent(kind: kind))
    }

    func flushDeltaBurst() {
        guard let burst = deltaBurst else { return }
        deltaBurst = nil
        emitter.push(RunnerEvent(kind: .activity(burst)))
    }

    func snapshot() -> CodexSessionSnapshot {
        CodexSessionSnapshot(
            threadID: threadID, currentTurn: currentTurn, turnsStarted: turnsStarted, process: process,
            lastActivity: lastActivityDate, lastEvent: lastEvent, lastMessage: lastMessage, tokenTotals: accountant.totals,
            rateLimits: rateLimits, pendingRequests: operatorRequests.values.sorted { $0.receivedAt < $1.receivedAt })
    }

    var lastActivityAt: Date { lastActivityDate }

    static func shorten(_ text: String, limit: Int = 240) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}
