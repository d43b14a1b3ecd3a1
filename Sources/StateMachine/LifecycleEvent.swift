/// Something that happened to an issue. Events come from the orchestrator, the runner, the tracker
/// and operators; the compiled machine turns each into a transition or a rejection.
public enum LifecycleEvent: String, Sendable, Hashable, CaseIterable, Codable {
    /// The orchestrator picked the issue for a slot.
    case dispatch
    /// The workspace exists and its hooks succeeded.
    case workspaceReady = "workspace_ready"
    /// Creating the workspace or a hook failed.
    case workspaceFailed = "workspace_failed"
    /// The agent run ended normally; the refreshed tracker standing decides what comes next.
    case runEnded = "run_ended"
    /// The agent run failed: turn failed, process exit, timeout or stall.
    case runFailed = "run_failed"
    /// The agent asked for input or approval that the policy does not answer.
    case inputRequired = "input_required"
    /// An operator answered a blocked run's question or approval.
    case operatorAnswered = "operator_answered"
    /// A retry or continuation became due.
    case retryDue = "retry_due"
    /// The tracker standing of the issue changed.
    case trackerUpdated = "tracker_updated"
    /// Operator: stop working on the issue until resumed.
    case pause
    /// Operator: undo a pause.
    case resume
    /// Operator: stop the live run and release the issue.
    case cancel
    /// Operator: retry now, skipping a backoff or a block.
    case retryNow = "retry_now"
    /// The daemon found, at start, a run that was live when it stopped.
    case interrupted
}
