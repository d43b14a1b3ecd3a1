import Foundation
import Runtime
import Synchronization

/// The resources one connection subscribed to, each with the log position up to which its
/// subscriber has been told: the seq at subscription time, then the last entry examined for it.
final class SubscriptionSet: Sendable {
    struct Subscription: Sendable, Hashable {
        var target: ResourceCatalog.Target
        var position: Int64
    }

    private let state = Mutex<[String: Subscription]>([:])
    /// Signalled when a subscription is added or removed.
    let changed = ChangeSignal()

    /// Subscribes `uri` from log position `position`; an existing subscription keeps its position.
    func add(_ uri: String, target: ResourceCatalog.Target, position: Int64) {
        state.withLock { state in
            if state[uri] == nil { state[uri] = Subscription(target: target, position: position) }
        }
        changed.notify()
    }

    func remove(_ uri: String) {
        _ = state.withLock { $0.removeValue(forKey: uri) }
        changed.notify()
    }

    var current: [String: Subscription] { state.withLock { $0 } }

    /// Marks the log examined up to `seq` for `uris` (those still subscribed).
    func advance(_ uris: some Sequence<String>, to seq: Int64) {
        state.withLock { state in
            for uri in uris {
                guard let position = state[uri]?.position else { continue }
                state[uri]?.position = max(position, seq)
            }
        }
    }
}

/// Tells a connection's subscribers which resources changed. It follows the store's logs
/// (`log(after:)`) from the oldest subscription's position, waking on the store's change signal, so
/// it reacts to committed transitions and board changes only, in commit order; a subscription never
/// hears of entries from before it. The workflow resource changes without a log entry: its status
/// is compared when the store signals (a reload publishes the board's states, a write).
struct SubscriptionFollower: Sendable {
    let api: RuntimeAPI
    let subscriptions: SubscriptionSet
    /// Sends `notifications/resources/updated` for a URI.
    let notify: @Sendable (String) async throws -> Void
    var batchSize = 500

    /// Runs until cancelled, or until a notification cannot be sent (the connection is gone).
    func run() async {
        let changes = api.store.changes
        var workflowSeen: WorkflowStatus?
        while !Task.isCancelled {
            let storeGeneration = changes.generation
            let subscriptionGeneration = subscriptions.changed.generation
            let current = subscriptions.current
            guard let start = current.values.map(\.position).min() else {
                workflowSeen = nil
                await subscriptions.changed.wait(after: subscriptionGeneration)
                continue
            }
            do {
                let entries = try await api.log(after: start, limit: batchSize)
                var touched = Set<String>()
                for entry in entries {
                    for (uri, subscription) in current where entry.seq > subscription.position && Self.changes(subscription.target, entry) {
                        touched.insert(uri)
                    }
                }
                if let last = entries.last?.seq { subscriptions.advance(current.keys, to: last) }
                let workflowURIs = current.filter { $0.value.target == .workflow || $0.value.target == .graph }.map(\.key)
                if !workflowURIs.isEmpty, let status = try? await api.snapshot().workflow {
                    if let seen = workflowSeen, seen != status { touched.formUnion(workflowURIs) }
                    workflowSeen = status
                }
                for uri in touched.sorted() { try await notify(uri) }
                if entries.count == batchSize { continue }
            } catch is CancellationError {
                return
            } catch is APIError {
                // A failed read is retried at the next change; the subscribers lose nothing.
            } catch {
                return
            }
            await ChangeSignal.wait(changes, after: storeGeneration, or: subscriptions.changed, after: subscriptionGeneration)
        }
    }

    /// Whether a log entry changes what `target` shows.
    static func changes(_ target: ResourceCatalog.Target, _ entry: LogEntry) -> Bool {
        switch (target, entry) {
        case (.board, _): true
        case (.graph, .transition): true
        case (.graph, .change(let change)): [.issueCreated, .issueDeleted, .projectDeleted].contains(change.kind)
        case (.workflow, _): false
        case (.issue(let identifier), .transition(let transition)): transition.issue.uppercased() == identifier
        case (.issue(let identifier), .change(let change)): change.issue?.uppercased() == identifier
        }
    }
}
