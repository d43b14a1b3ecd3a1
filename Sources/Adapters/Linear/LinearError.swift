public import Foundation
public import Runtime

/// A failed exchange with Linear, classified as the Symphony specification's §11.4 recommends: from
/// the response body first (`errors[].extensions.type`/`code`), then from the HTTP status.
public struct LinearError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Category: String, Sendable, Hashable {
        /// DNS, TCP, TLS, a timeout, a dropped connection; retried for reads.
        case request = "tracker_request"
        /// An HTTP status without a usable body (5xx pages from a proxy); retried for reads.
        case status = "tracker_status"
        /// A body maestro cannot use: not JSON, GraphQL errors, missing fields, a rejected mutation.
        case response = "tracker_response"
        /// `hasNextPage` without an `endCursor`, or more pages than any project has.
        case pagination = "tracker_pagination"
        /// `RATELIMITED` (HTTP 400 or 429), or no requests left: retried after the reset.
        case rateLimited = "tracker_rate_limited"
        /// 401, 403, an invalid or revoked key, a key sent as a Bearer token.
        case auth = "tracker_auth"
        /// The API key's variable is unset or empty.
        case missingSecret = "missing_tracker_secret"
        /// A project or setting Linear does not know (an unknown slug, a bad endpoint).
        case invalidConfig = "invalid_tracker_config"
    }

    public var category: Category
    public var message: String
    /// When a rate-limited request may be tried again.
    public var retryAt: Date?
    /// Whether the error carries Linear's "Entity not found" (no dedicated code exists).
    public var notFound = false

    public init(_ category: Category, _ message: String, retryAt: Date? = nil) {
        self.category = category
        self.message = message
        self.retryAt = retryAt
    }

    public var description: String { "\(category.rawValue): \(message)" }

    /// Reads may be repeated; these categories are worth it.
    var isTransient: Bool { [.request, .status].contains(category) }

    /// The error as every surface reports it: the category is the code.
    public var apiError: APIError { APIError(code: category.rawValue, message: "Linear: \(message)") }
}

extension LinearError {
    /// Classifies a GraphQL `errors` array (any status). `nil` when it holds no error.
    static func classify(errors: [JSONValue], status: Int, retryAt: Date?) -> LinearError? {
        guard let first = errors.first else { return nil }
        let message = first["message"]?.stringValue ?? "an error without a message"
        let extensions = first["extensions"]
        let type = extensions?["type"]?.stringValue?.lowercased() ?? ""
        let code = extensions?["code"]?.stringValue?.uppercased() ?? ""
        if code == "RATELIMITED" || type == "ratelimited" {
            return LinearError(.rateLimited, message, retryAt: retryAt)
        }
        if ["authentication error", "forbidden", "feature not accessible"].contains(type) || code == "AUTHENTICATION_ERROR" {
            return LinearError(.auth, message)
        }
        if message.lowercased().contains("bearer") && code == "INPUT_ERROR" {
            return LinearError(.auth, message)
        }
        if ["internal error", "network error", "lock timeout"].contains(type) || status >= 500 {
            return LinearError(.status, "\(message) (HTTP \(status))")
        }
        var error = LinearError(.response, code.isEmpty ? message : "\(message) [\(code)]")
        error.notFound = message.hasPrefix("Entity not found")
        return error
    }

    /// Classifies a response whose body held no GraphQL errors.
    static func classify(status: Int, retryAt: Date?) -> LinearError? {
        switch status {
        case 200: nil
        case 401, 403: LinearError(.auth, "HTTP \(status): the API key was refused")
        case 429: LinearError(.rateLimited, "HTTP 429: too many requests", retryAt: retryAt)
        default: LinearError(.status, "HTTP \(status)")
        }
    }
}
