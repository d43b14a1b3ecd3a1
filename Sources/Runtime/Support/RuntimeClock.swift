public import Foundation

/// Where the runtime reads the time and waits for it: the system clock in production, a clock a
/// test advances by hand in `RuntimeTesting`. Retry due times, continuation delays, stall checks
/// and the poll interval all go through it.
public protocol RuntimeClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Returns at `deadline` (or at once when it passed); throws `CancellationError` when cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system's wall clock, to the millisecond: the store keeps milliseconds, so a time the runtime
/// writes reads back as the same instant.
public struct SystemClock: RuntimeClock {
    public init() {}

    public func now() -> Date { wholeMilliseconds(Date()) }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        guard interval > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(for: .nanoseconds(Int64(interval * 1_000_000_000)))
    }
}
