import Foundation
import Runtime

/// The bookkeeping of `maestro mcp` as a value: which lines go where, given what the client sent,
/// what the daemon answered and when the daemon went away. The bridge relays bytes; this decides
/// which bytes, and a test can drive it without processes.
///
/// While connected, lines pass through unchanged. The relay remembers the client's `initialize`
/// and `notifications/initialized`, its resource subscriptions, and every request not answered
/// yet. When the daemon restarts, ``reconnected()`` replays the handshake to the new daemon under
/// an id of the bridge's own (swallowing the duplicate answer), re-subscribes, tells the client
/// its subscribed resources may have changed, sends again the requests that only read, and fails
/// every other unanswered request with a JSON-RPC error rather than risking doing it twice.
struct BridgeRelay {
    enum Output: Equatable {
        case daemon(Data)
        case client(Data)
    }

    /// A client request the daemon has not answered.
    struct Pending {
        var id: JSONValue
        var method: String
        var tool: String?
        /// The line to send again; `nil` for a member of a batch (never sent again).
        var line: Data?
        var retryable: Bool
    }

    /// The JSON-RPC error code of a request the bridge will not send again, or could not deliver.
    static let interruptedCode = -32010

    private(set) var connected = false
    private(set) var pending: [Pending] = []
    private(set) var subscriptions: [String] = []
    private var queued: [Data] = []
    private var initializeLine: Data?
    private var initializeAnswered = false
    private var initializedLine: Data?
    /// Ids of requests the bridge made itself, whose answers the client must not see.
    private var ownRequests: Set<JSONValue> = []
    /// The replayed `initialize` whose answer completes a reconnection.
    private var handshake: JSONValue?
    private var counter = 0

    // MARK: - Client to daemon

    /// A line from the client: forwarded while connected, queued otherwise.
    mutating func fromClient(_ line: Data) -> [Output] {
        guard connected, handshake == nil else {
            queued.append(line)
            return []
        }
        record(line)
        return [.daemon(line)]
    }

    private mutating func record(_ line: Data) {
        guard let messages = JSONRPCProbe.parse(line) else { return }
        let batch = messages.count != 1 || line.first(where: { $0 > 0x20 }) == UInt8(ascii: "[")
        for message in messages {
            switch message.method {
            case "initialize" where !batch: initializeLine = line
            case "notifications/initialized" where !batch: initializedLine = line
            case "notifications/cancelled": pending.removeAll { $0.id == message.cancelledId }
            case "resources/subscribe": if let uri = message.uri, !subscriptions.contains(uri) { subscriptions.append(uri) }
            case "resources/unsubscribe": subscriptions.removeAll { $0 == message.uri }
            default: break
            }
            guard message.isRequest, let id = message.id, let method = message.method else { continue }
            pending.append(
                Pending(
                    id: id, method: method, tool: message.toolName, line: batch ? nil : line,
                    retryable: !batch && Self.onlyReads(method: method, tool: message.toolName)))
        }
    }

    /// Whether a request may be sent twice: it reads (or, like a subscription, is idempotent).
    static func onlyReads(method: String, tool: String?) -> Bool {
        switch method {
        case "initialize", "ping", "tools/list", "resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
            "resources/unsubscribe", "prompts/list", "prompts/get", "completion/complete", "logging/setLevel":
            return true
        case "tools/call": return tool.map { ToolCatalog.readOnlyNames.contains($0) } ?? false
        default: return false
        }
    }

    // MARK: - Daemon to client

    /// A line from the daemon: forwarded, unless it answers a request of the bridge's own.
    mutating func fromDaemon(_ line: Data) -> [Output] {
        guard let messages = JSONRPCProbe.parse(line) else { return [.client(line)] }
        var forward = true
        var completed = false
        for message in messages where message.isResponse {
            guard let id = message.id else { continue }
            if ownRequests.remove(id) != nil {
                forward = false
                if id == handshake { completed = true }
                continue
            }
            if let index = pending.firstIndex(where: { $0.id == id }) {
                if pending[index].method == "initialize" { initializeAnswered = true }
                pending.remove(at: index)
            }
        }
        var outputs: [Output] = forward ? [.client(line)] : []
        if completed {
            handshake = nil
            outputs += resume()
        }
        return outputs
    }

    // MARK: - Connection

    /// The daemon connection is gone: what is unanswered waits for the next one.
    mutating func disconnected() {
        connected = false
        handshake = nil
        ownRequests.removeAll()
    }

    /// A daemon connection is up (the first, or a new daemon's): replays the handshake when the
    /// client had completed one, else carries on at once.
    mutating func reconnected() -> [Output] {
        connected = true
        guard initializeAnswered, let initializeLine, let replay = Self.withId(nextId(), in: initializeLine) else { return resume() }
        handshake = replay.id
        ownRequests.insert(replay.id)
        return [.daemon(replay.line)]
    }

    /// After the handshake: the client's `initialized`, the subscriptions, the requests that were
    /// unanswered (sent again or failed), a hint that subscribed resources may have changed, then
    /// what the client sent meanwhile.
    private mutating func resume() -> [Output] {
        var outputs: [Output] = []
        let replaying = initializeAnswered
        if replaying, let initializedLine { outputs.append(.daemon(initializedLine)) }
        if replaying {
            for uri in subscriptions {
                let id = nextId()
                ownRequests.insert(id)
                outputs.append(.daemon(Self.message(["jsonrpc": "2.0", "id": id, "method": "resources/subscribe", "params": ["uri": .string(uri)]])))
            }
        }
        let interrupted = pending
        pending = []
        for request in interrupted {
            if request.retryable, let line = request.line {
                pending.append(request)
                outputs.append(.daemon(line))
            } else {
                let what = request.tool.map { "\(request.method) \($0)" } ?? request.method
                outputs.append(
                    .client(
                        Self.error(
                            id: request.id,
                            message:
                                "the maestro daemon restarted while \(what) was in flight; it may or may not have been applied, so it was not sent again (check before retrying)"
                        )))
            }
        }
        if replaying {
            for uri in subscriptions {
                outputs.append(
                    .client(Self.message(["jsonrpc": "2.0", "method": "notifications/resources/updated", "params": ["uri": .string(uri)]])))
            }
        }
        let waiting = queued
        queued = []
        for line in waiting { outputs += fromClient(line) }
        return outputs
    }

    /// No daemon came back: every unanswered and queued request fails with `message`.
    mutating func gaveUp(_ message: String) -> [Output] {
        var outputs = pending.map { Output.client(Self.error(id: $0.id, message: message)) }
        pending = []
        for line in queued {
            for request in JSONRPCProbe.parse(line) ?? [] where request.isRequest {
                if let id = request.id { outputs.append(.client(Self.error(id: id, message: message))) }
            }
        }
        queued = []
        return outputs
    }

    /// Whether client lines go straight to the daemon (connected, no handshake being replayed).
    var isForwarding: Bool { connected && handshake == nil }

    /// Whether anything waits for a daemon: unanswered or queued lines.
    var isIdle: Bool { pending.isEmpty && queued.isEmpty }

    // MARK: - Messages

    private mutating func nextId() -> JSONValue {
        counter += 1
        return .string("maestro-bridge-\(counter)")
    }

    private static func withId(_ id: JSONValue, in line: Data) -> (id: JSONValue, line: Data)? {
        guard case .object(var members)? = try? JSONDecoder().decode(JSONValue.self, from: line) else { return nil }
        members["id"] = id
        return (id, Data(JSONValue.object(members).compactText.utf8))
    }

    static func error(id: JSONValue, message: String) -> Data {
        Self.message(["jsonrpc": "2.0", "id": id, "error": ["code": .int(interruptedCode), "message": .string(message)]])
    }

    private static func message(_ value: JSONValue) -> Data {
        Data(value.compactText.utf8)
    }
}
