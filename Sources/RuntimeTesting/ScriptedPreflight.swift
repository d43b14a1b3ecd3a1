public import Foundation
public import Runtime
import Synchronization
public import WorkflowParser

/// An agent check decided by a test: `verdict` says what is wrong with a workflow's agent, or
/// `nil` when it works. Counts the checks.
public final class ScriptedPreflight: AgentPreflight {
    private let verdict: @Sendable (Workflow) -> String?
    private let checks = Mutex(0)

    public init(_ verdict: @escaping @Sendable (Workflow) -> String?) {
        self.verdict = verdict
    }

    /// Checks so far.
    public var count: Int { checks.withLock { $0 } }

    public func check(_ workflow: Workflow, environment: [String: String]) async -> String? {
        checks.withLock { $0 += 1 }
        return verdict(workflow)
    }
}
