import Foundation
public import StateMachine
import Synchronization
public import WorkflowParser

/// One agent run the orchestrator asks for.
public struct AgentRunRequest: Sendable {
    public var issueId: Int64
    public var identifier: String
    public var title: String
    /// The tracker of the issue's project (`kanban`, `linear`): which agent tools the session gets.
    public var provider: String
    public var phase: Phase
    public var workspacePath: String
    public var workspaceRoot: String
    /// The rendered phase prompt for the first turn.
    public var prompt: String
    /// The workflow the run started with; later reloads do not change a live run.
    public var workflow: Workflow
    /// A thread of an earlier run of the same phase to resume.
    public var resumeThreadId: String?
    public var resumeTokens: TokenCounts
    /// Environment names the tracker declared secret; never passed to the agent.
    public var secretEnvironmentNames: [String]

    public init(
        issueId: Int64, identifier: String, title: String, provider: String = "kanban", phase: Phase, workspacePath: String,
        workspaceRoot: String,
        prompt: String, workflow: Workflow, resumeThreadId: String?, resumeTokens: TokenCounts,
        secretEnvironmentNames: [String]
    ) {
        self.issueId = issueId
        self.identifier = identifier
        self.title = title
        self.provider = provider
        self.phase = phase
        self.workspacePath = workspacePath
        self.workspaceRoot = workspaceRoot
        self.prompt = prompt
        self.workflow = workflow
        self.resumeThreadId = resumeThreadId
        self.resumeTokens = resumeTokens
        self.secretEnvironmentNames = secretEnvironmentNames
    }
}

/// Absolute token totals of a thread.
public struct TokenCounts: Sendable, Hashable, Codable {
    public var input: Int
    public var output: Int
    public var total: Int

    public init(input: Int = 0, output: Int = 0, total: Int = 0) {
        self.input = input
        self.output = output
        self.total = total
    }
}

/// What a live run reports while it works.
public enum AgentRunReport: Sendable, Hashable {
    /// The agent process runs: its pid and start time (clock ticks since boot), to find orphans later.
    case processStarted(pid: Int32, startTime: Int64?)
    case threadStarted(String)
    case turnStarted(Int)
    case tokens(TokenCounts)
    /// Any protocol activity, with a short message for the dashboard.
    case activity(event: String, message: String?)
    /// The agent waits for an operator: a question or an approval the policy does not grant.
    case inputRequired(AgentRequest)
    /// A request no longer waits (its turn ended, or the agent withdrew it).
    case requestResolved(id: String)
    /// The account's rate limits, as the agent last reported them.
    case rateLimits(JSONValue)
    /// A line of diagnostics (stderr, malformed output) worth keeping.
    case diagnostic(String)
}

/// A question or approval an agent waits on.
public struct AgentRequest: Sendable, Hashable {
    /// The agent protocol's request id, as text.
    public var id: String
    /// `question`, `approval` or `elicitation`.
    public var kind: String
    public var summary: String
    public var detail: AgentRequestDetail

    public init(id: String, kind: String, summary: String, detail: AgentRequestDetail) {
        self.id = id
        self.kind = kind
        self.summary = summary
        self.detail = detail
    }
}

/// An operator's answer, addressed to one pending request.
public struct AgentAnswer: Sendable, Hashable {
    public var requestId: String
    public var text: String

    public init(requestId: String, text: String) {
        self.requestId = requestId
        self.text = text
    }
}

/// How a run ended.
public enum AgentRunEnding: Sendable, Hashable {
    /// Every turn completed; `turns` ran.
    case completed(turns: Int)
    case failed(String)
    /// Stopped through its ``AgentRunControl``.
    case stopped
}

/// The orchestrator's handle on a live run: answers go in, a stop request goes in.
public final class AgentRunControl: Sendable {
    private let reason = Mutex<String?>(nil)
    /// Moves from generation 0 once, on the first stop.
    private let stopped = ChangeSignal()
    public let answers: AsyncStream<AgentAnswer>
    private let answerSink: AsyncStream<AgentAnswer>.Continuation

    public init() {
        (answers, answerSink) = AsyncStream.makeStream(of: AgentAnswer.self, bufferingPolicy: .unbounded)
    }

    /// Delivers an operator's answer to the waiting run.
    public func answer(_ answer: AgentAnswer) { answerSink.yield(answer) }

    /// Asks the run to stop; the first reason wins.
    public func stop(reason text: String) {
        let first = reason.withLock { reason -> Bool in
            guard reason == nil else { return false }
            reason = text
            return true
        }
        if first { stopped.notify() }
        answerSink.finish()
    }

    /// Why the run was asked to stop, if it was.
    public var stopReason: String? { reason.withLock { $0 } }

    /// Returns when ``stop(reason:)`` is called (at once if it was), or when the task is cancelled.
    public func waitForStop() async {
        await stopped.wait(after: 0)
    }
}

/// Runs agents; the Codex app-server runner implements it in Adapters.
public protocol AgentRunner: Sendable {
    /// Runs one session to its end. `report` receives telemetry in order; `shouldContinue` is asked
    /// after each completed turn whether to run a continuation turn. Returns when the run ended or
    /// `control` asked it to stop.
    func run(
        _ request: AgentRunRequest, control: AgentRunControl, report: @escaping @Sendable (AgentRunReport) async -> Void,
        shouldContinue: @escaping @Sendable () async -> Bool
    ) async -> AgentRunEnding
}
