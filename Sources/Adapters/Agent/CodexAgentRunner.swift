public import Foundation
public import Logging
public import Runtime
import StateMachine
import WorkflowParser

/// The orchestrator's ``AgentRunner`` over ``CodexRunner``: one Codex app-server session per run,
/// its events turned into ``AgentRunReport``s, operator answers delivered to the waiting request.
public struct CodexAgentRunner: AgentRunner {
    /// The tools of an issue's session; the kanban board's for kanban issues.
    public let tools: @Sendable (AgentRunRequest) -> (any AgentToolProvider)?
    public let options: CodexRunnerOptions
    public let environment: [String: String]
    public let logger: Logger

    public init(
        tools: @escaping @Sendable (AgentRunRequest) -> (any AgentToolProvider)?, options: CodexRunnerOptions = CodexRunnerOptions(),
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger = Logger(label: "maestro.codex")
    ) {
        self.tools = tools
        self.options = options
        self.environment = environment
        self.logger = logger
    }

    public func run(
        _ request: AgentRunRequest, control: AgentRunControl, report: @escaping @Sendable (AgentRunReport) async -> Void,
        shouldContinue: @escaping @Sendable () async -> Bool
    ) async -> AgentRunEnding {
        let config = request.workflow.config
        let codexRequest = CodexRunRequest(
            issueIdentifier: request.identifier, issueTitle: request.title, workspacePath: request.workspacePath,
            workspaceRoot: request.workspaceRoot, prompt: request.prompt, codex: config.codex, maxTurns: config.agent.maxTurns,
            resume: request.resumeThreadId.map {
                .init(
                    threadID: $0,
                    tokenTotals: TokenTotals(
                        input: request.resumeTokens.input, output: request.resumeTokens.output, total: request.resumeTokens.total))
            },
            environment: environment, secretEnvironmentNames: Set(request.secretEnvironmentNames))
        var logger = logger
        logger[metadataKey: "issue_identifier"] = "\(request.identifier)"
        let runner = CodexRunner(request: codexRequest, tools: tools(request), options: options, logger: logger)
        let pending = PendingRequests()
        let runLogger = logger
        return await withTaskGroup(of: AgentRunEnding?.self) { group in
            group.addTask {
                var limits = OutputLimits()
                for await event in runner.events {
                    await Self.forward(event, to: report, pending: pending, limits: &limits, logger: runLogger)
                }
                await limits.flush(to: report, logger: runLogger)
                return nil
            }
            group.addTask {
                for await answer in control.answers {
                    guard let request = await pending.request(answer.requestId) else {
                        await report(.diagnostic("answer to \(answer.requestId) not delivered: no such pending request"))
                        continue
                    }
                    do {
                        try await runner.answer(request.id, with: Self.answer(answer.text, for: request))
                    } catch {
                        await report(.diagnostic("answer to \(answer.requestId) not delivered: \(error)"))
                    }
                }
                return nil
            }
            group.addTask {
                await control.waitForStop()
                await runner.stop()
                return nil
            }
            let outcome = await runner.run(shouldContinue: { _ in await shouldContinue() })
            // The events stream ends with the run; let it drain so every report lands first.
            control.stop(reason: control.stopReason ?? "run ended")
            var ending: AgentRunEnding = Self.ending(outcome)
            if case .stopped = outcome.ending { ending = .stopped }
            while let next = await group.next() {
                if let next { ending = next }
            }
            return ending
        }
    }

    static func ending(_ outcome: RunOutcome) -> AgentRunEnding {
        switch outcome.ending {
        case .finished, .maxTurnsReached: .completed(turns: outcome.turns)
        case .cancelled: .failed("turn cancelled")
        case .stopped: .stopped
        case .failed(let error): .failed("\(error)")
        }
    }

    /// Maps an operator's answer (already checked by the Runtime API against what the request
    /// accepts) to the protocol's answer: approvals take `approve`, `approve-session`, `deny` or
    /// `cancel`; elicitations `accept`, `decline` or `cancel`; questions take the text as the
    /// answer to each question.
    static func answer(_ text: String, for request: PendingServerRequest) -> OperatorAnswer {
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        switch request.kind {
        case .userInput:
            return .answers(Dictionary(uniqueKeysWithValues: request.questions.map { ($0.id, [text]) }))
        case .elicitation:
            switch word {
            case "accept": return .elicitation(.accept, content: nil)
            case "cancel": return .elicitation(.cancel, content: nil)
            default: return .elicitation(.decline, content: nil)
            }
        default:
            switch word {
            case "approve": return .approve
            case "approve-session": return .approveForSession
            case "cancel": return .cancel
            default: return .decline
            }
        }
    }

    /// The request as the runtime shows it and checks answers against.
    static func agentRequest(_ request: PendingServerRequest) -> AgentRequest {
        let kind: String
        var detail = AgentRequestDetail()
        switch request.kind {
        case .userInput:
            kind = "question"
            detail.questions = request.questions.map {
                AgentRequestDetail.Question(
                    id: $0.id, header: $0.header.isEmpty ? nil : $0.header, question: $0.question, options: $0.options,
                    allowsOther: $0.allowsOther || $0.options.isEmpty)
            }
        case .elicitation:
            kind = "elicitation"
            detail.reason = request.params["message"]?.stringValue
        default:
            kind = "approval"
            detail.command = request.params["command"].flatMap { $0.stringValue ?? $0.arrayValue?.compactMap(\.stringValue).joined(separator: " ") }
            detail.reason = request.params["reason"]?.stringValue
        }
        return AgentRequest(id: request.id.description, kind: kind, summary: request.summary, detail: detail)
    }

    private static func forward(
        _ event: RunnerEvent, to report: @Sendable (AgentRunReport) async -> Void, pending: PendingRequests, limits: inout OutputLimits,
        logger: Logger
    ) async {
        switch event.kind {
        case .processLaunched(let process):
            await report(.processStarted(pid: process.pid, startTime: process.startTimeTicks.map { Int64($0) }))
        case .sessionStarted(let started):
            await report(.threadStarted(started.threadID))
        case .turnStarted(let turn):
            await report(.turnStarted(turn.number))
            await report(.activity(event: "turn/started", message: nil))
        case .turnCompleted(let turn):
            await report(.activity(event: "turn/completed", message: turn.lastAgentMessage))
        case .tokenUsage(let usage):
            await report(.tokens(TokenCounts(input: usage.threadTotals.input, output: usage.threadTotals.output, total: usage.threadTotals.total)))
        case .activity(let activity):
            await report(.activity(event: activity.method, message: activity.message))
        case .operatorInputRequested(let request):
            await pending.add(request)
            await report(.inputRequired(agentRequest(request)))
        case .operatorRequestResolved(let id, let answered):
            await pending.remove(id)
            if !answered { await report(.requestResolved(id: id.description)) }
        case .rateLimits(let limits):
            await report(.rateLimits(limits.json))
        case .serverError(let error):
            await report(.diagnostic("error notification: \(error.error.message)"))
        case .malformedLine(let line):
            // Kept and logged, but rate-limited: a flood of garbage must not become a flood of rows.
            let text = "not protocol output (\(line.reason), \(line.byteCount) bytes): \(line.excerpt)"
            if await limits.admit(text, stream: .stdout, to: report, logger: logger) {
                logger.warning("agent output is not the protocol", metadata: ["reason": "\(line.reason)", "line": "\(line.excerpt)"])
            }
        case .diagnostic(let line):
            _ = await limits.admit(line, stream: .stderr, to: report, logger: logger)
        case .warning(let text):
            await report(.activity(event: "warning", message: text))
        case .unsupportedServerRequest(let method):
            await report(.activity(event: "unsupported request \(method)", message: nil))
        case .processExited(let exit):
            await report(.activity(event: "process exited", message: exit.summary))
        case .approvalAutoAccepted(let method, let summary):
            await report(.activity(event: method, message: "approved by policy: \(summary)"))
        case .toolCall(let call):
            await report(.activity(event: "item/tool/call", message: "\(call.tool): \(call.success ? "ok" : "failed")"))
        }
    }
}

/// Rate limits for what an agent writes that is not the protocol, per stream.
struct OutputLimits {
    enum Stream: String { case stdout, stderr }

    var stdout = LineRateLimit()
    var stderr = LineRateLimit(limit: 20)

    /// Reports `line` as a diagnostic when its stream's limit allows, saying first how many lines
    /// the last window skipped. Returns whether it was reported.
    mutating func admit(
        _ line: String, stream: Stream, to report: @Sendable (AgentRunReport) async -> Void, logger: Logger
    ) async -> Bool {
        let (admitted, skipped) = stream == .stdout ? stdout.admit(at: .now) : stderr.admit(at: .now)
        if skipped > 0 { await Self.skipped(skipped, stream, to: report, logger: logger) }
        if admitted { await report(.diagnostic(line)) }
        return admitted
    }

    /// Says how many lines were skipped since the last report, at the run's end.
    mutating func flush(to report: @Sendable (AgentRunReport) async -> Void, logger: Logger) async {
        for (stream, count) in [(Stream.stdout, stdout.takeSuppressed()), (.stderr, stderr.takeSuppressed())] where count > 0 {
            await Self.skipped(count, stream, to: report, logger: logger)
        }
    }

    private static func skipped(_ count: Int, _ stream: Stream, to report: @Sendable (AgentRunReport) async -> Void, logger: Logger) async {
        let text = "[\(count) more \(stream.rawValue) lines not kept]"
        logger.warning("agent output rate-limited", metadata: ["stream": "\(stream.rawValue)", "skipped_lines": "\(count)"])
        await report(.diagnostic(text))
    }
}

extension ProcessExit {
    /// `exit code 2`, `signal 15`.
    var summary: String { exitCode.map { "exit code \($0)" } ?? signal.map { "signal \($0)" } ?? "exit status unknown" }
}

/// Server requests waiting for an operator, oldest first.
private actor PendingRequests {
    private var requests: [PendingServerRequest] = []

    func add(_ request: PendingServerRequest) { requests.append(request) }
    func remove(_ id: CodexRequestID) { requests.removeAll { $0.id == id } }
    func request(_ id: String) -> PendingServerRequest? { requests.first { $0.id.description == id } }
}
