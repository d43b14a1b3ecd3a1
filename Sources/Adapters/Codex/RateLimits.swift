public import Foundation

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
