import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOWebSocket
import Runtime
import Synchronization

/// `GET /api/v1/ws?after=<seq>`: every committed transition and board change after `seq`, from the
/// logs, then live ones, in seq order; runtime updates (at most two a second, and only when they
/// changed); heartbeats. A client that passes its last seq when it reconnects misses nothing and
/// gets nothing twice. Each client has a bounded buffer: one that cannot keep up is closed with a
/// reason, and the daemon never waits for it. Messages are documented in Specs/api.md.
struct EventStream: Sendable {
    let api: RuntimeAPI
    let settings: HTTPSettings
    let runtime: RuntimeFeed
    /// The logs' newest entries, shared by every stream (a tail nobody runs leaves each stream
    /// reading the store itself).
    var tail = LogTail()

    /// Why the stream refuses this client: a foreign page (a browser sends `Origin`), a missing or
    /// wrong token, a malformed `after`. The refusal is sent as the close frame's reason (code
    /// 1008), since a declined upgrade can only answer a bare 400.
    func refusal(of request: Request) -> APIError? {
        // Only a page in a browser can be made to open a socket it should not, and a browser
        // sends its page's http(s) origin, which cannot be forged; other clients may send anything.
        let host = request.head.authority ?? ""
        let own = ["http://\(host)", "https://\(host)"]
        for origin in request.headers[values: .origin] where origin.hasPrefix("http://") || origin.hasPrefix("https://") {
            guard own.contains(origin) || settings.allowedOrigins.contains(origin) else {
                return APIError(code: "forbidden_origin", message: "WebSocket connections from \(origin) are not allowed")
            }
        }
        if let token = settings.token, !token.isEmpty {
            let header = request.headers[.authorization].flatMap { value -> String? in
                value.lowercased().hasPrefix("bearer ") ? String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces) : nil
            }
            guard let presented = header ?? request.uri.queryParameters.get("access_token"), BearerTokenComparison.equal(presented, token)
            else { return APIError(code: "unauthorized", message: "this stream needs the bearer token (header or ?access_token=)") }
        }
        do {
            _ = try request.queryInt("after", in: 0...Int64.max)
        } catch let failure as HTTPFailure {
            return failure.error
        } catch {
            return APIError(code: "invalid_parameter", message: "\(error)")
        }
        return nil
    }

    func serve(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ request: Request) async throws {
        if let refusal = refusal(of: request) {
            // The envelope as the one message, then the close with the code as its reason.
            try await outbound.write(.text((try? MaestroJSON.text(ErrorMessage(error: refusal))) ?? "{}"))
            return try await outbound.close(.policyViolation, reason: "\(refusal.code): \(refusal.message)")
        }
        let start: Int64
        if let after = try request.queryInt("after", in: 0...Int64.max) { start = after } else { start = try await api.lastSeq() }
        let (messages, sink) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(settings.streamBuffer))
        let overflow = Atomic(false)
        let deliver: @Sendable (String) -> Bool = { text in
            if case .dropped = sink.yield(text) {
                overflow.store(true, ordering: .relaxed)
                sink.finish()
                return false
            }
            return true
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = deliver(Self.message(["type": "hello", "seq": .int(Int(start)), "protocol": 1]))
                try await follow(after: start, deliver: deliver)
            }
            group.addTask { await runtime.follow(deliver) }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: settings.heartbeat)
                    guard deliver(Self.message(["type": "heartbeat", "at": .string(MaestroJSON.timestamp(Date()))])) else { return }
                }
            }
            group.addTask {
                // The client's side: nothing it sends matters, but its close ends the stream.
                for try await _ in inbound.messages(maxSize: 1 << 16) {}
                sink.finish()
            }
            for await text in messages { try await outbound.write(.text(text)) }
            group.cancelAll()
            if overflow.load(ordering: .relaxed) {
                try? await outbound.close(
                    .policyViolation, reason: "too slow: more than \(settings.streamBuffer) messages waited; reconnect with ?after=<last seq>")
            }
        }
    }

    /// Delivers the logs after `seq`: from the shared tail once the stream reaches it, before that
    /// from the store in pages.
    private func follow(after seq: Int64, deliver: @Sendable (String) -> Bool) async throws {
        tail.listen()
        defer { tail.leave() }
        var cursor = seq
        let changes = api.store.changes
        while !Task.isCancelled {
            let appended = tail.appended.generation
            let changed = changes.generation
            switch tail.take(after: cursor) {
            case .messages(let messages):
                for message in messages {
                    guard deliver(message.text) else { return }
                    cursor = message.seq
                }
                if messages.isEmpty { await tail.appended.wait(after: appended) }
            case .behind:
                let entries = try await api.log(after: cursor, limit: 500)
                for entry in entries {
                    guard deliver(try Self.message(entry)) else { return }
                    cursor = entry.seq
                }
                if entries.count < 500 { await ChangeSignal.wait(changes, after: changed, or: tail.appended, after: appended) }
            }
        }
    }

    static func message(_ entry: LogEntry) throws -> String {
        switch entry {
        case .transition(let transition): try MaestroJSON.text(TransitionMessage(seq: transition.seq, transition: transition))
        case .change(let change): try MaestroJSON.text(ChangeMessage(seq: change.seq, change: change))
        }
    }

    static func message(_ object: [String: JSONValue]) -> String { JSONValue.object(object).compactText }
}

/// A refusal on the stream, before the close: `{"type": "error", "error": {"code", "message"}}`.
struct ErrorMessage: Encodable {
    var type = "error"
    var error: APIError
}

/// A transition on the stream: `{"type": "transition", "seq", "transition": …}`.
struct TransitionMessage: Encodable {
    var type = "transition"
    var seq: Int64
    var transition: TransitionView
}

/// A board change on the stream: `{"type": "change", "seq", "change": …}`.
struct ChangeMessage: Encodable {
    var type = "change"
    var seq: Int64
    var change: BoardChangeView
}

/// The runtime's live counters, computed once for every stream at most twice a second while any
/// stream listens, and sent only when they changed: `{"type": "runtime", "snapshot": …}`.
public final class RuntimeFeed: Sendable {
    private let state = Mutex((latest: String?.none, listeners: 0))
    private let signal = ChangeSignal()
    let interval: Duration

    public init(interval: Duration = .milliseconds(500)) {
        self.interval = interval
    }

    /// Computes the message while anyone listens; runs until cancelled.
    func run(_ api: RuntimeAPI) async {
        while !Task.isCancelled {
            if state.withLock({ $0.listeners }) > 0, let snapshot = try? await api.snapshot() {
                let message = RuntimeMessage(snapshot)
                let text = (try? MaestroJSON.text(message)) ?? ""
                let changed = state.withLock { state -> Bool in
                    guard state.latest.map({ $0 != text }) ?? true else { return false }
                    state.latest = text
                    return true
                }
                if changed { signal.notify() }
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Hands every new message to `deliver` until it refuses one or the task is cancelled.
    func follow(_ deliver: @Sendable (String) -> Bool) async {
        state.withLock { $0.listeners += 1 }
        defer { state.withLock { $0.listeners -= 1 } }
        var sent: String?
        while !Task.isCancelled {
            let generation = signal.generation
            if let latest = state.withLock({ $0.latest }), latest != sent {
                guard deliver(latest) else { return }
                sent = latest
            }
            await signal.wait(after: generation)
        }
    }
}

/// What the runtime message carries: the counters and the live runs' last activity.
struct RuntimeMessage: Encodable {
    struct Run: Encodable {
        var issueIdentifier: String
        var sessionId: String
        var turnCount: Int
        var lastEvent: String?
        var lastMessage: String?
        var lastEventAt: Date?
        var tokens: TokenView
        var waitingOnOperator: Bool

        enum CodingKeys: String, CodingKey {
            case issueIdentifier = "issue_identifier"
            case sessionId = "session_id"
            case turnCount = "turn_count"
            case lastEvent = "last_event"
            case lastMessage = "last_message"
            case lastEventAt = "last_event_at"
            case tokens
            case waitingOnOperator = "waiting_on_operator"
        }
    }
    struct Snapshot: Encodable {
        var counts: RuntimeSnapshot.Counts
        var running: [Run]
        var codexTotals: TokenView
        var workflowRevision: Int
        var workflowErrors: Int

        enum CodingKeys: String, CodingKey {
            case counts, running
            case codexTotals = "codex_totals"
            case workflowRevision = "workflow_revision"
            case workflowErrors = "workflow_errors"
        }
    }

    var type = "runtime"
    var snapshot: Snapshot

    init(_ snapshot: RuntimeSnapshot) {
        self.snapshot = Snapshot(
            counts: snapshot.counts,
            running: snapshot.running.map {
                Run(
                    issueIdentifier: $0.issueIdentifier, sessionId: $0.sessionId, turnCount: $0.turnCount, lastEvent: $0.lastEvent,
                    lastMessage: $0.lastMessage, lastEventAt: $0.lastEventAt, tokens: $0.tokens, waitingOnOperator: $0.waitingOnOperator)
            },
            codexTotals: TokenView(
                inputTokens: snapshot.codexTotals.inputTokens, outputTokens: snapshot.codexTotals.outputTokens,
                totalTokens: snapshot.codexTotals.totalTokens),
            workflowRevision: snapshot.workflow.revision, workflowErrors: snapshot.workflow.lastReloadErrors.count)
    }
}
