import Runtime
import Synchronization

/// The logs' newest entries, read from the store and encoded once for every stream while any
/// stream listens. Without it each commit made every one of N streams read and encode the same
/// entries: N reads queued for the pool's readers, and the last client's delivery waited for all.
///
/// A stream at or past the window's start takes its messages from memory; one further behind (a
/// reconnect with an old `after`, or a window that moved on) reads the store itself until it
/// reaches the window. The window holds every entry after its start in seq order, because the logs
/// hand out seqs inside their write transactions, so a read that sees one seq sees all before it.
final class LogTail: Sendable {
    struct Message: Sendable, Equatable {
        var seq: Int64
        var text: String
    }

    /// What a stream that delivered everything up to a seq can take.
    enum Take: Sendable, Equatable {
        /// Every message after the seq (none: caught up; wait on ``appended``).
        case messages([Message])
        /// The window does not reach back to the seq, or nobody follows the store: read it.
        case behind
    }

    private struct Window {
        /// The window holds every entry after `start`; `nil` while it does not follow the store.
        var start: Int64?
        var messages: [Message] = []
        var listeners = 0
    }

    private let window = Mutex(Window())
    /// Bumped once new messages, or a new window, are in place.
    let appended = ChangeSignal()
    private let demand = ChangeSignal()
    /// The most messages kept; a stream further behind reads the store. A stream at the window's
    /// start takes all of them at once, so the window must be well below a stream's buffer.
    let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    func take(after seq: Int64) -> Take {
        window.withLock { window in
            guard let start = window.start, seq >= start else { return .behind }
            var low = 0
            var high = window.messages.count
            while low < high {
                let middle = (low + high) / 2
                if window.messages[middle].seq <= seq { low = middle + 1 } else { high = middle }
            }
            return .messages(Array(window.messages[low...]))
        }
    }

    /// A stream starts listening: the tail follows the store until the last one leaves.
    func listen() {
        window.withLock { $0.listeners += 1 }
        demand.notify()
    }

    /// A stream stops listening; after the last one the window is dropped at once.
    func leave() {
        let last = window.withLock { window -> Bool in
            window.listeners -= 1
            return window.listeners == 0
        }
        if last { demand.notify() }
    }

    /// Follows the store while anyone listens; runs until cancelled.
    func run(_ api: RuntimeAPI) async {
        while !Task.isCancelled {
            let changed = api.store.changes.generation
            let demanded = demand.generation
            if window.withLock({ $0.listeners > 0 }) {
                await read(api)
                await ChangeSignal.wait(api.store.changes, after: changed, or: demand, after: demanded)
            } else {
                // Nobody listens: keep nothing and read nothing until someone does.
                window.withLock { window in
                    window.start = nil
                    window.messages = []
                }
                await demand.wait(after: demanded)
            }
        }
    }

    /// Reads what the store holds after the window's newest message.
    private func read(_ api: RuntimeAPI) async {
        do {
            var newest: Int64
            if let known = window.withLock({ $0.messages.last?.seq ?? $0.start }) {
                newest = known
            } else {
                newest = try await api.lastSeq()
                window.withLock { $0.start = newest }
                appended.notify()
            }
            while true {
                let entries = try await api.log(after: newest, limit: 500)
                guard let last = entries.last else { return }
                let messages = try entries.map { Message(seq: $0.seq, text: try EventStream.message($0)) }
                newest = last.seq
                window.withLock { window in
                    window.messages += messages
                    let excess = window.messages.count - capacity
                    if excess > 0 {
                        window.start = window.messages[excess - 1].seq
                        window.messages.removeFirst(excess)
                    }
                }
                appended.notify()
                if entries.count < 500 { return }
            }
        } catch {
            // The streams read the store themselves until the next change brings the tail back.
            window.withLock { window in
                window.start = nil
                window.messages = []
            }
            appended.notify()
        }
    }
}
