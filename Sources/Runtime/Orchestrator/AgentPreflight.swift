public import Foundation
public import WorkflowParser

/// Checks that the configured agent works before the daemon hands it an issue: at start, after
/// every applied reload, and again at each poll while it does not. A broken `codex.command` is then
/// found once, with one warning that says how to fix it, instead of issue by issue, each burning
/// its automatic retries. The Codex implementation starts the command and waits for its answer to
/// `initialize`; tests inject their own.
public protocol AgentPreflight: Sendable {
    /// `nil` when the agent answered as it should; otherwise what is wrong, in one line.
    func check(_ workflow: Workflow, environment: [String: String]) async -> String?
}

/// What the orchestrator knows of whether the agent works, as a value: when to check, whether
/// dispatch may go on, and what is worth a log line (a new problem, or the end of one).
struct AgentCheck: Sendable, Hashable {
    enum Status: Sendable, Hashable {
        case unchecked
        case checking(revision: Int)
        case works(revision: Int)
        case broken(revision: Int, problem: String)
    }

    /// What a finished check asks to log.
    enum Report: Sendable, Hashable {
        case broken(String)
        case works
    }

    private(set) var status = Status.unchecked
    private var recheckAt = Date.distantPast
    /// The last problem reported, so a recheck that finds the same one stays quiet.
    private var knownProblem: String?

    /// Dispatch waits until the workflow in force (`revision`) has a working agent.
    func mayDispatch(revision: Int) -> Bool { status == .works(revision: revision) }

    /// Whether to start a check now: the revision was not checked yet, or the agent was broken and
    /// the recheck time (a poll interval later) came. Marks the check as running.
    mutating func shouldCheck(revision: Int, at now: Date) -> Bool {
        switch status {
        case .checking: return false
        case .works(let checked): if checked == revision { return false }
        case .broken(let checked, _): if checked == revision && now < recheckAt { return false }
        case .unchecked: break
        }
        status = .checking(revision: revision)
        return true
    }

    /// Records a check's result; the next check of a broken agent is due `recheckAfter` later.
    /// Returns what to log: a problem the first time it is seen, and the recovery.
    mutating func finished(revision: Int, problem: String?, at now: Date, recheckAfter: TimeInterval) -> Report? {
        recheckAt = now.addingTimeInterval(recheckAfter)
        defer { knownProblem = problem }
        if let problem {
            status = .broken(revision: revision, problem: problem)
            return problem == knownProblem ? nil : .broken(problem)
        }
        status = .works(revision: revision)
        return knownProblem == nil ? nil : .works
    }
}
