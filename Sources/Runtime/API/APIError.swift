import Foundation
public import StateMachine

/// Every failure a surface reports: a stable `code` and a message a person can act on. The CLI prints
/// it as `{"error": {...}}` with `--json`, HTTP and MCP answer with the same object.
public struct APIError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code.rawValue
        self.message = message
    }

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The codes maestro's own operations produce. The machine's rejection codes (`not_applicable`,
    /// `not_paused`, …) and workflow diagnostic codes pass through unchanged.
    public enum Code: String, Sendable, CaseIterable {
        case issueNotFound = "issue_not_found"
        case projectNotFound = "project_not_found"
        case duplicateProject = "duplicate_project"
        case invalidValue = "invalid_value"
        case invalidState = "invalid_state"
        case blockerCycle = "blocker_cycle"
        case conflict
        case unsupportedByProvider = "unsupported_by_provider"
        case unknownProvider = "unknown_provider"
        case notAwaitingAnswer = "not_awaiting_answer"
        case ambiguousRequest = "ambiguous_request"
        case invalidAnswer = "invalid_answer"
        case requestNotFound = "request_not_found"
        case noLiveDaemon = "no_live_daemon"
        /// The issue (or an issue of the project) still has a live agent run.
        case liveRun = "live_run"
        case unauthorized
        case shuttingDown = "shutting_down"
        case commandPending = "command_pending"
        case trackerError = "tracker_error"
        case notADatabase = "not_a_database"
        case foreignDatabase = "foreign_database"
        case newerSchema = "newer_schema"
        case readOnlyDatabase = "read_only_database"
        case cannotOpenDatabase = "cannot_open_database"
        case noDatabase = "no_database"
        case internalError = "internal_error"
    }

    /// The envelope surfaces print: `{"error": {"code": …, "message": …}}`.
    public struct Envelope: Codable, Sendable, Hashable {
        public var error: APIError

        public init(_ error: APIError) {
            self.error = error
        }
    }

    /// A rejection of the lifecycle machine, with its own code.
    public static func rejected(_ rejection: Rejection) -> APIError {
        APIError(code: rejection.code, message: rejection.message)
    }

    /// Any error as an `APIError`; errors that are not maestro's become `internal_error`.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as StoreError: APIError(code: error.code, message: error.description)
        default: APIError(.internalError, "\(error)")
        }
    }
}
