public import Foundation
public import Runtime

/// The account's rate limits as last reported by `account/rateLimits/updated`.
///
/// Updates are sparse: a field the server sends as `null` or leaves out keeps its previous value.
public struct RateLimitSnapshot: Sendable, Hashable {
    /// One rate-limit window (for example the 5-hour or the weekly window).
    public struct Window: Sendable, Hashable {
        public var usedPercent: Double
        public var windowDurationMinutes: Int?
        public var resetsAt: Date?
    }

    public struct Credits: Sendable, Hashable {
        public var hasCredits: Bool
        public var unlimited: Bool
        public var balance: String?
    }

    public var limitID: String?
    public var limitName: String?
    public var primary: Window?
    public var secondary: Window?
    public var credits: Credits?
    public var planType: String?
    public var rateLimitReachedType: String?

    public init() {}

    /// Merges `params.rateLimits` of an `account/rateLimits/updated` notification.
    mutating func merge(_ limits: JSONValue) {
        if let value = limits["limitId"]?.stringValue { limitID = value }
        if let value = limits["limitName"]?.stringValue { limitName = value }
        if let value = limits["primary"].flatMap(Window.init) { primary = value }
        if let value = limits["secondary"].flatMap(Window.init) { secondary = value }
        if let value = limits["credits"].flatMap(Credits.init) { credits = value }
        if let value = limits["planType"]?.stringValue { planType = value }
        if let value = limits["rateLimitReachedType"]?.stringValue { rateLimitReachedType = value }
    }
}

extension RateLimitSnapshot.Window {
    init?(_ json: JSONValue) {
        guard let used = json["usedPercent"]?.doubleValue else { return nil }
        self.init(
            usedPercent: used, windowDurationMinutes: json["windowDurationMins"]?.intValue,
            resetsAt: json["resetsAt"]?.doubleValue.map { Date(timeIntervalSince1970: $0) })
    }
}

extension RateLimitSnapshot.Credits {
    init?(_ json: JSONValue) {
        guard let hasCredits = json["hasCredits"]?.boolValue else { return nil }
        self.init(hasCredits: hasCredits, unlimited: json["unlimited"]?.boolValue ?? false, balance: json["balance"]?.stringValue)
    }
}

extension RateLimitSnapshot {
    /// The snapshot in maestro's JSON vocabulary (snake_case, RFC 3339 times).
    public var json: JSONValue {
        func window(_ window: Window?) -> JSONValue {
            guard let window else { return .null }
            return [
                "used_percent": .double(window.usedPercent),
                "window_duration_minutes": window.windowDurationMinutes.map(JSONValue.int) ?? .null,
                "resets_at": window.resetsAt.map { .string(MaestroJSON.timestamp($0)) } ?? .null,
            ]
        }
        return [
            "limit_id": limitID.map(JSONValue.string) ?? .null,
            "limit_name": limitName.map(JSONValue.string) ?? .null,
            "primary": window(primary),
            "secondary": window(secondary),
            "credits": credits.map {
                ["has_credits": .bool($0.hasCredits), "unlimited": .bool($0.unlimited), "balance": $0.balance.map(JSONValue.string) ?? .null]
            } ?? .null,
            "plan_type": planType.map(JSONValue.string) ?? .null,
            "rate_limit_reached_type": rateLimitReachedType.map(JSONValue.string) ?? .null,
        ]
    }
}
