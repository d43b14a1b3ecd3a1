internal import Synchronization

/// A queue from producers that must not suspend (the session core, an actor emitting events and
/// stdin messages) to one consumer, with backpressure on the *source*: the pipe readers call
/// ``waitForRoom()`` before reading more, so an agent that floods its output is held in its own
/// pipe (its writes block) instead of in the daemon's memory. Nothing is ever dropped: a push past
/// the capacity is kept, and the readers stop until the consumer has caught up.
final class BoundedQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var head = 0
        var finished = false
        var consumer: CheckedContinuation<Element?, Never>?
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0

        var count: Int { items.count - head }

        mutating func takeFirst() -> Element? {
            guard head < items.count else { return nil }
            let element = items[head]
            head += 1
            if head >= 1024, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
            return element
        }

        /// Waiters to resume now that there is room (or the queue is finished).
        mutating func releasable(capacity: Int) -> [CheckedContinuation<Void, Never>] {
            guard finished || count < capacity else { return [] }
            defer { waiters = [:] }
            return Array(waiters.values)
        }
    }

    /// Pushes beyond this make ``waitForRoom()`` wait.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Elements pushed and not yet taken.
    var count: Int { state.withLock { $0.count } }

    /// Adds an element; never suspends, never drops. Ignored after ``finish()``.
    func push(_ element: Element) {
        let consumer = state.withLock { state -> CheckedContinuation<Element?, Never>? in
            guard !state.finished else { return nil }
            if let consumer = state.consumer {
                state.consumer = nil
                return consumer
            }
            state.items.append(element)
            return nil
        }
        consumer?.resume(returning: element)
    }

    /// No more elements: the consumer drains what is queued, then gets `nil`; waiters go on.
    func finish() {
        let (consumer, waiters) = state.withLock { state -> (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Void, Never>]) in
            state.finished = true
            let consumer = state.count == 0 ? state.consumer : nil
            if consumer != nil { state.consumer = nil }
            return (consumer, state.releasable(capacity: capacity))
        }
        consumer?.resume(returning: nil)
        waiters.forEach { $0.resume() }
    }

    /// The next element, or `nil` once finished and drained, or when the task is cancelled. One
    /// consumer at a time.
    func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let (result, waiters, resumeNow) = state.withLock {
                    state -> (Element?, [CheckedContinuation<Void, Never>], Bool) in
                    if let element = state.takeFirst() { return (element, state.releasable(capacity: capacity), true) }
                    if state.finished || Task.isCancelled { return (nil, [], true) }
                    precondition(state.consumer == nil, "BoundedQueue has one consumer")
                    state.consumer = continuation
                    return (nil, [], false)
                }
                waiters.forEach { $0.resume() }
                if resumeNow { continuation.resume(returning: result) }
            }
        } onCancel: {
            let consumer = state.withLock { state -> CheckedContinuation<Element?, Never>? in
                defer { state.consumer = nil }
                return state.consumer
            }
            consumer?.resume(returning: nil)
        }
    }

    /// Returns once fewer than ``capacity`` elements wait, the queue is finished, or the task is
    /// cancelled.
    func waitForRoom() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.finished || state.count < capacity || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

extension BoundedQueue {
    /// The queue as the single-consumer stream a caller iterates.
    func stream() -> AsyncStream<Element> {
        AsyncStream(unfolding: { await self.next() })
    }
}
