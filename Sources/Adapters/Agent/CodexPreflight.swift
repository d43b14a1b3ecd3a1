public import Foundation
public import Runtime
public import WorkflowParser

/// Does `codex.command` work? Starts it in the workspace root (created if need be) with the
/// daemon's environment, waits up to `codex.read_timeout_ms` for its answer to `initialize`, and
/// stops it with the runner's usual stop sequence. Floods and garbage are bounded as in a run.
public struct CodexPreflight: AgentPreflight {
    public let options: CodexRunnerOptions

    public init(options: CodexRunnerOptions = CodexRunnerOptions()) {
        self.options = options
    }

    public func check(_ workflow: Workflow, environment: [String: String]) async -> String? {
        let codex = workflow.config.codex
        let directory = workflow.config.workspaceRoot
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let request = CodexRunRequest(
            issueIdentifier: "preflight", issueTitle: "codex.command check", workspacePath: directory, workspaceRoot: directory,
            prompt: "", codex: codex, environment: environment)
        let runner = CodexRunner(request: request, options: options)
        async let outcome = runner.probe()
        for await _ in runner.events {}
        return Self.problem(await outcome.ending, command: codex.command, readTimeoutMs: codex.readTimeoutMs)
    }

    /// What is wrong with the command, in one line; `nil` when it answered.
    static func problem(_ ending: RunEnding, command: String, readTimeoutMs: Int) -> String? {
        let name = "`\(command)`"
        switch ending {
        case .finished, .maxTurnsReached: return nil
        case .failed(.codexNotFound(let exit)):
            return "\(name) was not found (exit 127\(exit.stderrTail.last.map { ": \($0)" } ?? ""))"
        case .failed(.responseTimeout):
            return "\(name) did not answer initialize within \(readTimeoutMs) ms"
        case .failed(let error):
            return "\(name) failed before answering initialize: \(error)"
        case .cancelled, .stopped:
            return "\(name) was stopped before it answered initialize"
        }
    }
}
