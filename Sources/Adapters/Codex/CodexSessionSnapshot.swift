public import Foundation

/// The session as the dashboard sees it.
public struct CodexSessionSnapshot: Sendable, Hashable {
    public var threadID: String?
    public var currentTurn: TurnStarted?
    public var turnsStarted: Int
    public var process: ProcessIdentity?
    /// When the server last wrote anything (or an operator last answered).
    public var lastActivity: Date
    /// The last notification or request method seen.
    public var lastEvent: String?
    /// The last short text: an agent message, a command, a question.
    public var lastMessage: String?
    public var tokenTotals: TokenTotals
    public var rateLimits: RateLimitSnapshot
    /// Server requests waiting for ``CodexRunner/answer(_:with:)``, oldest first.
    public var pendingRequests: [PendingServerRequest]
}
