internal import Synchronization

/// One-shot replies keyed by id: responses to our requests, ends of turns.
///
/// A reply may arrive before anyone waits for it (the reader task never waits for the driver), so
/// replies to expected keys are kept until collected. Waiting honours task cancellation, which is
/// what lets a timeout race a reply inside a task group. A Mutex rather than an actor because the
/// cancellation handler must resume the waiter synchronously.
final class ReplyTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private enum Slot {
        case expected
        case waiting(CheckedContinuation<Value, any Error>)
        case ready(Result<Value, any Error>)
    }

    private struct State {
        var slots: [Key: Slot] = [:]
        var closedWith: (any Error)?
    }

    private let state = Mutex(State())

    /// Announces a reply for `key`; replies to keys never announced are refused by ``resolve(_:with:)``.
    func expect(_ key: Key) {
        state.withLock { state in
            if state.slots[key] == nil { state.slots[key] = .expected }
        }
    }

    /// Delivers the reply for `key`. Returns `false` when nothing expected it.
    @discardableResult
    func resolve(_ key: Key, with result: Result<Value, any Error>, evenIfUnexpected: Bool = false) -> Bool {
        state.withLock { state in
            switch state.slots[key] {
            case .waiting(let continuation):
                state.slots[key] = nil
                continuation.resume(with: result)
                return true
            case .expected:
                state.slots[key] = .ready(result)
                return true
            case .ready:
                return false
            case nil:
                if evenIfUnexpected, state.closedWith == nil { state.slots[key] = .ready(result) }
                return evenIfUnexpected
            }
        }
    }

    /// Waits for the reply to `key`. Throws the reply's error, the table's closing error, or
    /// `CancellationError`.
    func wait(for key: Key) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                state.withLock { state in
                    if case .ready(let result) = state.slots[key] {
                        state.slots[key] = nil
                        continuation.resume(with: result)
                    } else if let error = state.closedWith {
                        continuation.resume(throwing: error)
                    } else if Task.isCancelled {
                        state.slots[key] = nil
                        continuation.resume(throwing: CancellationError())
                    } else {
                        state.slots[key] = .waiting(continuation)
                    }
                }
            }
        } onCancel: {
            state.withLock { state in
                if case .waiting(let continuation) = state.slots[key] {
                    state.slots[key] = nil
                    continuation.resume(throwing: CancellationError())
                }
            }
        }
    }

    /// Forgets `key` (after a timeout): a late reply is then refused.
    func abandon(_ key: Key) {
        state.withLock { state in
            if case .waiting(let continuation) = state.slots[key] {
                continuation.resume(throwing: CancellationError())
            }
            state.slots[key] = nil
        }
    }

    /// Fails every waiter and every later wait with `error`. The first close wins.
    func close(with error: any Error) {
        state.withLock { state in
            guard state.closedWith == nil else { return }
            state.closedWith = error
            for case .waiting(let continuation) in state.slots.values {
                continuation.resume(throwing: error)
            }
            state.slots = [:]
        }
    }
}
