import StateMachine

/// Policies covering every shape the compiler can produce.
enum Policies {
    static let kanbanStates = MachinePolicy.TrackerStates(
        active: ["Todo", "In_Progress"], terminal: ["Done", "Cancelled"], claimed: "in_progress",
        review: "human_review", done: "done")

    static func policy(_ review: MachinePolicy.ReviewMode, done: Bool, retries: Int = 3) -> MachinePolicy {
        MachinePolicy(
            review: review, donePhase: done, trackerStates: kanbanStates, maxConcurrentAgents: 4,
            maxAutomaticRetries: retries)
    }

    /// Agent review and the done phase: every state and event in play.
    static let full = policy(.agent, done: true)

    static let all: [MachinePolicy] = MachinePolicy.ReviewMode.allCases.flatMap { review in
        [true, false].map { policy(review, done: $0) }
    }
}
