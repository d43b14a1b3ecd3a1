/// Why a Codex run failed, or why a runner call was refused.
///
/// ``category`` names follow Symphony's recommended categories where one exists.
public enum CodexRunnerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The workspace is missing, not a directory, or not strictly inside the workspace root.
    case invalidWorkspace(String)
    /// `bash` could not be started.
    case launchFailed(String)
    /// `bash` exited 127 before the handshake finished: the command was not found.
    case codexNotFound(ProcessExit)
    /// No response to `method` within `read_timeout_ms`.
    case responseTimeout(method: String)
    /// The server answered `method` with a JSON-RPC error (for example a refused approval policy).
    case responseError(method: String, code: Int, message: String)
    /// A response lacked what the protocol promises (for example `thread/start` without a thread id).
    case protocolViolation(String)
    /// No output from the server for `turn_timeout_ms` during a turn (while no operator answer was due).
    case turnTimeout
    /// The turn ended with status `failed`.
    case turnFailed(TurnError?)
    /// The process exited or closed its stdout while maestro still expected messages.
    case processExited(ProcessExit)
    /// `count` of the last `window` stdout lines were not protocol messages (`last` is the latest):
    /// the command is not an app-server, or it went haywire. The run is failed rather than read
    /// forever.
    case malformedOutput(Int, of: Int, last: String)
    /// ``CodexRunner/run(shouldContinue:)`` was called twice.
    case alreadyRunning
    /// ``CodexRunner/answer(_:with:)`` named no pending operator request.
    case unknownRequest(CodexRequestID)
    /// ``CodexRunner/answer(_:with:)`` gave an answer of the wrong kind (e.g. answers to an approval).
    case answerDoesNotFit(CodexRequestID, PendingServerRequest.Kind)
    /// ``CodexRunner/interrupt()`` found no running turn.
    case noRunningTurn
    /// The session is not (or no longer) connected.
    case notConnected

    /// A stable snake_case name for logs, the API and retry decisions.
    public var category: String {
        switch self {
        case .invalidWorkspace: "invalid_workspace_cwd"
        case .launchFailed: "launch_failed"
        case .codexNotFound: "codex_not_found"
        case .responseTimeout: "response_timeout"
        case .responseError: "response_error"
        case .protocolViolation: "protocol_violation"
        case .turnTimeout: "turn_timeout"
        case .turnFailed: "turn_failed"
        case .processExited: "port_exit"
        case .malformedOutput: "malformed_output"
        case .alreadyRunning: "already_running"
        case .unknownRequest: "unknown_request"
        case .answerDoesNotFit: "answer_does_not_fit"
        case .noRunningTurn: "no_running_turn"
        case .notConnected: "not_connected"
        }
    }

    public var description: String {
        switch self {
        case .invalidWorkspace(let reason): "invalid workspace: \(reason)"
        case .launchFailed(let reason): "could not launch the app-server: \(reason)"
        case .codexNotFound(let exit): "codex command not found (exit 127)\(Self.tail(exit))"
        case .responseTimeout(let method): "no response to \(method) in time"
        case .responseError(let method, let code, let message): "\(method) failed (\(code)): \(message)"
        case .protocolViolation(let reason): "protocol violation: \(reason)"
        case .turnTimeout: "turn timed out: no output from the agent"
        case .turnFailed(let error): "turn failed: \(error?.message ?? "no error message")"
        case .processExited(let exit):
            "app-server exited (\(exit.exitCode.map { "code \($0)" } ?? exit.signal.map { "signal \($0)" } ?? "status unknown"))\(Self.tail(exit))"
        case .malformedOutput(let count, let window, let last):
            "the agent's output is not the app-server protocol: \(count) of its last \(window) lines were not protocol messages (last: '\(SessionCore.shorten(last, limit: 120))'); check codex.command"
        case .alreadyRunning: "the runner is already running"
        case .unknownRequest(let id): "no pending request \(id)"
        case .answerDoesNotFit(let id, let kind): "that answer does not fit request \(id) (\(kind.rawValue))"
        case .noRunningTurn: "no turn is running"
        case .notConnected: "the session is not connected"
        }
    }

    /// What the process last wrote, so an exit says why: stderr first (where programs explain
    /// themselves), then stdout lines that were not the protocol.
    private static func tail(_ exit: ProcessExit) -> String {
        var parts: [String] = []
        if !exit.stderrTail.isEmpty { parts.append(exit.stderrTail.suffix(3).joined(separator: " | ")) }
        if !exit.stdoutTail.isEmpty { parts.append("stdout: " + exit.stdoutTail.suffix(3).joined(separator: " | ")) }
        return parts.isEmpty ? "" : ": " + parts.joined(separator: "; ")
    }
}

/// How a run ended.
public enum RunEnding: Sendable, Hashable {
    /// The last turn completed and `shouldContinue` declined another.
    case finished
    /// The last turn completed and `agent.max_turns` turns have run.
    case maxTurnsReached
    /// A turn ended `interrupted` (``CodexRunner/interrupt()`` or an operator's cancel).
    case cancelled
    /// ``CodexRunner/stop()`` ended the run.
    case stopped
    case failed(CodexRunnerError)
}

/// What ``CodexRunner/run(shouldContinue:)`` returns.
public struct RunOutcome: Sendable, Hashable {
    public var ending: RunEnding
    /// The thread to resume next time; `nil` if none was opened.
    public var threadID: String?
    /// Turns started in this run.
    public var turns: Int
    /// The thread's absolute token totals at the end.
    public var tokenTotals: TokenTotals
    public var exit: ProcessExit?
}
