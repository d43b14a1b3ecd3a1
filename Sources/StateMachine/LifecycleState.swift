/// Where an issue is in maestro's lifecycle.
///
/// Lifecycle states are maestro's own; tracker states (kanban columns, Linear workflow states) are
/// mapped onto them by ``TrackerStanding``.
public enum LifecycleState: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Eligible and waiting for a slot.
    case queued
    /// Claimed; the workspace is being prepared and its hooks run.
    case workspace
    /// The implementation phase: an agent run is live.
    case running
    /// The review phase: an agent review run is live, or the issue waits for a human tracker state.
    case review
    /// The done phase: an agent run is live.
    case done
    /// Waiting out a continuation delay or a retry backoff until its due time.
    case retrying
    /// Needs an operator: input or approval requested, paused, retries exhausted, review undecided.
    case blocked
    /// No longer eligible: the tracker moved the issue away, or an operator cancelled it.
    case released
    /// Terminal in the tracker, or finished; the workspace is removed.
    case closed

    /// States in which an agent run of the issue may be live.
    public var isRunState: Bool {
        self == .running || self == .review || self == .done
    }

    /// States that end the lifecycle. A closed issue reopens only through an active tracker state.
    public var isTerminal: Bool { self == .closed }

    /// The order used for tables and diagrams: the main path first.
    public static func < (lhs: LifecycleState, rhs: LifecycleState) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The agent phase an issue is in (or returns to after a retry).
public enum Phase: String, Sendable, Hashable, CaseIterable, Codable {
    case implementation
    case review
    case done

    /// The lifecycle state in which this phase's agent run is live.
    public var runState: LifecycleState {
        switch self {
        case .implementation: .running
        case .review: .review
        case .done: .done
        }
    }
}

/// Why an issue is blocked; recorded by the ``Effect/recordBlock(_:)`` effect.
public enum BlockReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The agent asked for input or approval; its run stays live until an operator answers.
    case inputRequired = "input_required"
    /// An operator paused the issue.
    case paused
    /// `agent.max_automatic_retries` failures in a row.
    case retriesExhausted = "retries_exhausted"
    /// An agent review run ended without moving the issue on.
    case reviewUndecided = "review_undecided"
    /// The runs spent its budget (`agent.max_runs_per_issue`, …); `retry` lifts it.
    case budgetExhausted = "budget_exhausted"
}
