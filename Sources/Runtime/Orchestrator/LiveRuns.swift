import Synchronization

/// The orchestrator's live runs and the agents' last rate limits, behind a lock rather than the
/// orchestrator's isolation: the live snapshot reads them without queueing behind the runs' own
/// events, which is what kept `GET /api/v1/state` waiting while issues dispatched.
///
/// The orchestrator changes the book in place under the lock (``change(_:)``), so an agent event
/// costs no copy; a reader takes a copy, and only the next change after it copies the table.
final class LiveRuns: Sendable {
    struct State: Sendable {
        var book = RunBook()
        var rateLimits: JSONValue?
    }

    private let state = Mutex(State())

    /// A copy of the runs and rate limits as they are now.
    var current: State { state.withLock { $0 } }

    /// Changes the state in place; `body` must be quick and must not suspend.
    func change<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}
