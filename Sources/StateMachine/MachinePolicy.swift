/// The parts of WORKFLOW.md that shape the compiled machine.
///
/// `WorkflowParser` builds this from the typed config; the machine never sees YAML.
public struct MachinePolicy: Sendable, Hashable {
    /// How the review phase runs.
    public enum ReviewMode: String, Sendable, Hashable, CaseIterable, Codable {
        /// An agent runs the review prompt.
        case agent
        /// The issue waits in `review` for a human to move the tracker state.
        case human
        /// No review phase: the `review` state is removed.
        case off
    }

    /// Tracker state names, normalized (trimmed, lowercased).
    public struct TrackerStates: Sendable, Hashable {
        public var active: Set<String>
        public var terminal: Set<String>
        /// Written when an issue is claimed; `nil` writes nothing.
        public var claimed: String?
        /// The tracker state that hands an issue to the review phase.
        public var review: String?
        /// The tracker state that starts the done phase.
        public var done: String?

        public init(active: [String], terminal: [String], claimed: String?, review: String?, done: String?) {
            self.active = Set(active.map(normalizedTrackerState))
            self.terminal = Set(terminal.map(normalizedTrackerState))
            self.claimed = claimed.map(normalizedTrackerState)
            self.review = review.map(normalizedTrackerState)
            self.done = done.map(normalizedTrackerState)
        }
    }

    public var review: ReviewMode
    public var donePhase: Bool
    public var trackerStates: TrackerStates
    public var maxConcurrentAgents: Int
    /// Per tracker state limits, keys normalized.
    public var maxConcurrentAgentsByState: [String: Int]
    public var continuationDelayMs: Int
    public var retryBaseDelayMs: Int
    public var maxRetryBackoffMs: Int
    public var maxAutomaticRetries: Int
    /// Per-issue limits across its runs.
    public var budget: IssueBudget

    public init(
        review: ReviewMode,
        donePhase: Bool,
        trackerStates: TrackerStates,
        maxConcurrentAgents: Int = 10,
        maxConcurrentAgentsByState: [String: Int] = [:],
        continuationDelayMs: Int = 1_000,
        retryBaseDelayMs: Int = 10_000,
        maxRetryBackoffMs: Int = 300_000,
        maxAutomaticRetries: Int = 10,
        budget: IssueBudget = IssueBudget()
    ) {
        self.review = review
        self.donePhase = donePhase
        self.trackerStates = trackerStates
        self.maxConcurrentAgents = maxConcurrentAgents
        self.maxConcurrentAgentsByState = maxConcurrentAgentsByState
        self.continuationDelayMs = continuationDelayMs
        self.retryBaseDelayMs = retryBaseDelayMs
        self.maxRetryBackoffMs = maxRetryBackoffMs
        self.maxAutomaticRetries = maxAutomaticRetries
        self.budget = budget
    }

    /// The lifecycle states this policy keeps.
    public var states: [LifecycleState] {
        LifecycleState.allCases.filter { state in
            switch state {
            case .review: review != .off
            case .done: donePhase
            default: true
            }
        }
    }

    /// The phases whose agent runs this policy has.
    public var agentPhases: [Phase] {
        var phases: [Phase] = [.implementation]
        if review == .agent { phases.append(.review) }
        if donePhase { phases.append(.done) }
        return phases
    }

    /// Delay before failure retry number `failures` (1-based): base · 2^(n−1), capped.
    public func retryDelayMs(failures: Int) -> Int {
        let exponent = min(max(failures - 1, 0), 30)
        let (delay, overflow) = retryBaseDelayMs.multipliedReportingOverflow(by: 1 << exponent)
        return overflow ? maxRetryBackoffMs : min(delay, maxRetryBackoffMs)
    }
}
