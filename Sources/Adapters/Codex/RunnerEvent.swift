public import Foundation
public import Runtime

/// Something that happened in a Codex session, reported to the runtime in order.
///
/// `Specs/codex-runner.md` lists every kind with the protocol message it comes from.
public struct RunnerEvent: Sendable, Hashable {
    public var timestamp: Date
    public var kind: Kind

    public enum Kind: Sendable, Hashable {
        /// `bash -lc <codex.command>` is running in its own process group.
        case processLaunched(ProcessIdentity)
        /// The thread is ready (started or resumed); its id is what a later run resumes.
        case sessionStarted(SessionStarted)
        case turnStarted(TurnStarted)
        /// A turn ended; read ``TurnResult/status``.
        case turnCompleted(TurnResult)
        /// The thread's token totals grew.
        case tokenUsage(TokenUsageUpdate)
        /// The merged rate-limit snapshot after an update.
        case rateLimits(RateLimitSnapshot)
        /// Any other server notification: the agent is alive. `message` is short text for a dashboard;
        /// a burst of streaming deltas is one event with a ``AgentActivity/count``.
        case activity(AgentActivity)
        /// The server asks for an approval or an answer that only an operator can give; the turn waits
        /// until ``CodexRunner/answer(_:with:)`` delivers one (or the turn ends).
        case operatorInputRequested(PendingServerRequest)
        /// A pending operator request is gone: answered, or cleared by the server (turn ended).
        case operatorRequestResolved(id: CodexRequestID, answered: Bool)
        /// An approval answered automatically under `approval_policy: never`.
        case approvalAutoAccepted(method: String, summary: String)
        /// A dynamic tool call was answered.
        case toolCall(ToolCallReport)
        /// A server request maestro does not handle; it was answered with a JSON-RPC error.
        case unsupportedServerRequest(method: String)
        /// An `error` notification. With `willRetry` the turn goes on.
        case serverError(ServerErrorReport)
        /// A `warning`, `configWarning` or `deprecationNotice` notification.
        case warning(String)
        /// A stdout line that was not a protocol message; it was skipped.
        case malformedLine(MalformedLine)
        /// A line the server wrote to stderr (ANSI colours removed, truncated).
        case diagnostic(String)
        /// The app-server process is gone.
        case processExited(ProcessExit)
    }

    public init(timestamp: Date = Date(), kind: Kind) {
        self.timestamp = timestamp
        self.kind = kind
    }
}

/// The app-server process, as needed to find it again after a daemon restart.
public struct ProcessIdentity: Sendable, Hashable, Codable {
    /// The pid of `bash -lc` (usually replaced by `codex` itself through exec).
    public var pid: Int32
    /// Equal to `pid`: the child leads its own group, and every process it starts joins it.
    public var processGroupID: Int32
    /// Field 22 of `/proc/<pid>/stat` (clock ticks after boot); with the pid it names the process
    /// unambiguously, since pids are reused. `nil` where `/proc` is unavailable.
    public var startTimeTicks: UInt64?
    public var launchedAt: Date

    /// The start time of a live process, to compare with a recorded ``startTimeTicks``.
    public static func startTimeTicks(of pid: Int32) -> UInt64? {
        ProcessGroup.startTime(of: pid).map { UInt64($0) }
    }
}

public struct SessionStarted: Sendable, Hashable {
    public var threadID: String
    /// `true` when an earlier thread was resumed rather than a new one started.
    public var resumed: Bool
    public var process: ProcessIdentity
    public var model: String?
}

public struct TurnStarted: Sendable, Hashable {
    public var turnID: String
    /// `<thread>-<turn>`.
    public var sessionID: String
    /// 1 for the first turn of this run.
    public var number: Int
}

/// How a turn ended (`turn/completed` → `params.turn.status`).
public enum TurnStatus: Sendable, Hashable {
    case completed
    case failed
    case interrupted
    /// A status this build does not know; treated as a failure.
    case unknown(String)

    init(_ text: String) {
        switch text {
        case "completed": self = .completed
        case "failed": self = .failed
        case "interrupted": self = .interrupted
        default: self = .unknown(text)
        }
    }
}

/// A turn's or an `error` notification's error (`TurnError`).
public struct TurnError: Sendable, Hashable {
    public var message: String
    /// `codexErrorInfo`: a string such as `internalServerError`, or the key of its object form such as
    /// `responseStreamDisconnected`. Retry decisions key on it.
    public var codexErrorInfo: String?
    public var additionalDetails: String?

    init?(_ json: JSONValue?) {
        guard let json, let message = json["message"]?.stringValue else { return nil }
        self.message = message
        switch json["codexErrorInfo"] {
        case .string(let info): codexErrorInfo = info
        case .object(let members): codexErrorInfo = members.keys.sorted().first
        default: codexErrorInfo = nil
        }
        additionalDetails = json["additionalDetails"]?.stringValue
    }
}

public struct TurnResult: Sendable, Hashable {
    public var turnID: String
    public var sessionID: String
    public var number: Int
    public var status: TurnStatus
    public var error: TurnError?
    /// The last agent message of the turn, shortened.
    public var lastAgentMessage: String?
}

/// A notification seen as activity.
public struct AgentActivity: Sendable, Hashable {
    public var method: String
    /// Short human-readable text when the notification carries some (an agent message, a command).
    public var message: String?
    /// How many notifications this stands for: consecutive streaming deltas of one method read
    /// together are reported once (a model streams them per token); 1 otherwise.
    public var count: Int = 1
}

public struct ToolCallReport: Sendable, Hashable {
    public var callID: String?
    public var tool: String
    /// `false` when the tool was not among the advertised specs.
    public var advertised: Bool
    public var success: Bool
    /// The result text, shortened.
    public var text: String
}

public struct ServerErrorReport: Sendable, Hashable {
    public var error: TurnError
    public var willRetry: Bool
    public var turnID: String?
}

public struct MalformedLine: Sendable, Hashable {
    /// `not_json`, `not_an_object`, `unknown_shape`, `oversized` or `unexpected_response`.
    public var reason: String
    public var byteCount: Int
    /// The start of the line.
    public var excerpt: String
}

public struct ProcessExit: Sendable, Hashable {
    public var exitCode: Int32?
    public var signal: Int32?
    /// The last lines the process wrote to stderr.
    public var stderrTail: [String]
    /// The last lines it wrote to stdout that were not protocol messages (their starts).
    public var stdoutTail: [String]

    public init(exitCode: Int32?, signal: Int32?, stderrTail: [String], stdoutTail: [String] = []) {
        self.exitCode = exitCode
        self.signal = signal
        self.stderrTail = stderrTail
        self.stdoutTail = stdoutTail
    }
}

/// A server request waiting for an operator.
public struct PendingServerRequest: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case commandApproval, fileChangeApproval, permissionsApproval, legacyCommandApproval, legacyPatchApproval
        case userInput, elicitation
    }

    public var id: CodexRequestID
    public var method: String
    public var kind: Kind
    /// One line for the dashboard: the command, the file, the question.
    public var summary: String
    /// For ``Kind/userInput``: the questions, whose ids key the answers.
    public var questions: [UserInputQuestion]
    /// The request's params verbatim.
    public var params: JSONValue
    public var turnID: String?
    public var receivedAt: Date
}

public struct UserInputQuestion: Sendable, Hashable {
    public var id: String
    public var header: String
    public var question: String
    public var options: [String]
    public var allowsOther: Bool
    public var isSecret: Bool
}
