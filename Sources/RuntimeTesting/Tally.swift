import Synchronization

/// A count that concurrent tasks of a test add to and the test reads.
public final class Tally: Sendable {
    private let state = Mutex(0)

    public init() {}

    public var count: Int { state.withLock { $0 } }

    public func add() { state.withLock { $0 += 1 } }
}
