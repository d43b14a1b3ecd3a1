import Foundation
import Runtime
import StateMachine

/// `GET /api/v1/<identifier>`: Symphony's issue object (§13.7) with its field names, and maestro's
/// additions (`lifecycle`, `phase`, `blocked`, `issue`) as extra keys.
struct SymphonyIssue: Encodable {
    struct Workspace: Codable, Sendable, Hashable { var path: String }
    struct Attempts: Encodable {
        var restartCount: Int
        var currentRetryAttempt: Int

        enum CodingKeys: String, CodingKey {
            case restartCount = "restart_count"
            case currentRetryAttempt = "current_retry_attempt"
        }
    }
    struct Logs: Encodable {
        var codexSessionLogs: [String] = []

        enum CodingKeys: String, CodingKey { case codexSessionLogs = "codex_session_logs" }
    }
    struct Event: Encodable {
        var at: Date
        var event: String
        var message: String
    }
    struct Blocked: Codable, Sendable, Hashable {
        var reason: BlockReason
        var requests: [AgentRequestView]
    }

    var issueIdentifier: String
    var issueId: String
    var status: String
    @Nullable var workspace: Workspace?
    var attempts: Attempts
    @Nullable var running: RuntimeSnapshot.Running?
    @Nullable var retry: RuntimeSnapshot.Retrying?
    var logs = Logs()
    var recentEvents: [Event]
    @Nullable var lastError: String?
    var tracked: Bool
    var lifecycle: LifecycleView
    var phase: Phase
    @Nullable var blocked: Blocked?
    var issue: IssueView

    enum CodingKeys: String, CodingKey {
        case issueIdentifier = "issue_identifier"
        case issueId = "issue_id"
        case status, workspace, attempts, running, retry, logs
        case recentEvents = "recent_events"
        case lastError = "last_error"
        case tracked, lifecycle, phase, blocked, issue
    }

    init(detail: IssueDetailView, snapshot: RuntimeSnapshot?) {
        let issue = detail.issue
        issueIdentifier = issue.identifier
        issueId = issue.id
        let running = snapshot?.running.first { $0.issueIdentifier == issue.identifier }
        let retry = snapshot?.retrying.first { $0.issueIdentifier == issue.identifier }
        status = running != nil ? "running" : retry != nil ? "retrying" : issue.lifecycle.state.rawValue
        workspace = detail.workspace.flatMap { $0.removedAt == nil ? Workspace(path: $0.path) : nil }
        attempts = Attempts(restartCount: max(detail.sessions.count - 1, 0), currentRetryAttempt: issue.lifecycle.attempt)
        self.running = running
        self.retry = retry
        recentEvents = detail.recentEvents.map { Event(at: $0.at, event: $0.kind, message: $0.message) }
        lastError = issue.lifecycle.lastError
        tracked = issue.visible
        lifecycle = issue.lifecycle
        phase = issue.lifecycle.phase
        blocked = issue.lifecycle.blockReason.map { Blocked(reason: $0, requests: detail.pendingRequests) }
        self.issue = issue
    }
}

/// `POST /api/v1/refresh`'s answer (§13.7).
struct RefreshAccepted: Encodable {
    var queued = true
    var coalesced: Bool
    var requestedAt: Date
    var operations = ["poll", "reconcile"]

    enum CodingKeys: String, CodingKey {
        case queued, coalesced
        case requestedAt = "requested_at"
        case operations
    }
}
