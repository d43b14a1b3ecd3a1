public import Foundation
public import WorkflowParser

/// Everything one Codex run for one issue needs.
public struct CodexRunRequest: Sendable {
    /// The issue's human identifier, e.g. `ABC-1`.
    public var issueIdentifier: String
    public var issueTitle: String
    /// The per-issue workspace: the app-server's cwd and the thread's and turns' `cwd`.
    public var workspacePath: String
    /// The workspace must lie strictly inside this directory.
    public var workspaceRoot: String
    /// The rendered prompt for the first turn.
    public var prompt: String
    public var codex: WorkflowConfig.Codex
    /// `agent.max_turns`: turns per run, continuation turns included.
    public var maxTurns: Int
    /// The prompt of continuation turn `n` (2, 3, …); the default is ``defaultContinuationGuidance(identifier:turn:maxTurns:)``.
    public var continuationGuidance: @Sendable (_ turn: Int) -> String
    /// A thread from an earlier run to resume instead of starting a new one.
    public var resume: ThreadResume?
    /// The daemon's environment, passed to the child minus ``secretEnvironmentNames``.
    public var environment: [String: String]
    /// Names the tracker adapters declare as secrets; they never reach the agent.
    public var secretEnvironmentNames: Set<String>

    /// A thread to resume, with the totals already accounted for it.
    public struct ThreadResume: Sendable, Hashable {
        public var threadID: String
        /// The thread's totals as last recorded, so a resumed thread's re-reported total adds nothing.
        public var tokenTotals: TokenTotals

        public init(threadID: String, tokenTotals: TokenTotals = .zero) {
            self.threadID = threadID
            self.tokenTotals = tokenTotals
        }
    }

    public init(
        issueIdentifier: String, issueTitle: String, workspacePath: String, workspaceRoot: String, prompt: String,
        codex: WorkflowConfig.Codex, maxTurns: Int = 1, continuationGuidance: (@Sendable (Int) -> String)? = nil,
        resume: ThreadResume? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        secretEnvironmentNames: Set<String> = []
    ) {
        self.issueIdentifier = issueIdentifier
        self.issueTitle = issueTitle
        self.workspacePath = workspacePath
        self.workspaceRoot = workspaceRoot
        self.prompt = prompt
        self.codex = codex
        self.maxTurns = max(1, maxTurns)
        let limit = self.maxTurns
        self.continuationGuidance =
            continuationGuidance ?? { turn in
                Self.defaultContinuationGuidance(identifier: issueIdentifier, turn: turn, maxTurns: limit)
            }
        self.resume = resume
        self.environment = environment
        self.secretEnvironmentNames = secretEnvironmentNames
    }

    /// The thread's name: `<identifier>: <title>`.
    public var threadName: String { "\(issueIdentifier): \(issueTitle)" }

    /// The text of a continuation turn: the thread already holds the original prompt, so the agent is
    /// told to carry on rather than given the task again.
    public static func defaultContinuationGuidance(identifier: String, turn: Int, maxTurns: Int) -> String {
        """
        Continue working on \(identifier). The issue is still open, and this is turn \(turn) of at most \(maxTurns) \
        in this session. Your earlier work and the original instructions are above in this thread: do not start \
        over. Check the state of the workspace, finish what remains, and stop when the issue is done.
        """
    }
}

/// Tuning knobs with production defaults; tests shorten the waits.
public struct CodexRunnerOptions: Sendable {
    /// Lines longer than this are skipped and reported as malformed (SPEC §10.1 suggests 10 MB).
    public var maxLineBytes = 10 * 1024 * 1024
    /// After closing stdin, how long to wait for the server to exit before SIGTERM.
    public var stdinCloseGrace: Duration = .seconds(1)
    /// After SIGTERM to the process group, how long to wait before SIGKILL.
    public var terminateGrace: Duration = .seconds(2)
    /// The longest a dynamic tool call may take before the agent gets a failure.
    public var toolCallTimeout: Duration = .seconds(120)
    /// Stderr lines kept for error reports.
    public var stderrTailLines = 20
    /// Events (and stdin messages) that may wait for their consumer before the pipe readers stop
    /// reading: the bound on what a fast agent can queue in the daemon.
    public var eventBacklog = 256
    public var clientName = "maestro"
    public var clientTitle = "Maestro"
    public var clientVersion = "0.1.0"

    public init() {}
}
