import Foundation
import Runtime
import Synchronization

/// The few fields of a JSON-RPC message that routing needs — the id, the method, a tool's name, a
/// resource's URI, a cancelled request's id — read without decoding the rest into values.
struct JSONRPCProbe: Decodable, Sendable {
    var id: JSONValue?
    var method: String?
    var toolName: String?
    var uri: String?
    var cancelledId: JSONValue?

    /// A request expects an answer: it has both an id and a method.
    var isRequest: Bool { id != nil && method != nil }
    /// A response (or an error response) carries the id of the request it answers.
    var isResponse: Bool { id != nil && method == nil }

    private enum CodingKeys: String, CodingKey {
        case id, method, params
    }

    private enum ParamKeys: String, CodingKey {
        case name, uri, requestId
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try? container.decodeIfPresent(JSONValue.self, forKey: .id)
        if id == .null { id = nil }
        method = try? container.decodeIfPresent(String.self, forKey: .method)
        // Params of another shape (an array, a string) are not ours to judge here.
        if let params = try? container.nestedContainer(keyedBy: ParamKeys.self, forKey: .params) {
            toolName = try? params.decodeIfPresent(String.self, forKey: .name)
            uri = try? params.decodeIfPresent(String.self, forKey: .uri)
            cancelledId = try? params.decodeIfPresent(JSONValue.self, forKey: .requestId)
        }
    }

    /// The messages in `line`: one, or the members of a batch; `nil` when it is not JSON-RPC.
    static func parse(_ line: Data) -> [JSONRPCProbe]? {
        let decoder = JSONDecoder()
        guard let first = line.first(where: { !Self.whitespace.contains($0) }) else { return nil }
        if first == UInt8(ascii: "[") { return try? decoder.decode([JSONRPCProbe].self, from: line) }
        return (try? decoder.decode(JSONRPCProbe.self, from: line)).map { [$0] }
    }

    private static let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
}

/// The requests a connection has received and not yet answered, so that closing it can wait until
/// each is answered: the SDK's `Server` runs every request in a task of its own, which nobody can
/// await, so the transport watches the ids go in and out instead.
final class InFlightLedger: Sendable {
    private let pending = Mutex<Set<JSONValue>>([])
    private let signal = ChangeSignal()

    /// Records the requests in an inbound line; a cancellation withdraws its request (the SDK
    /// sends no answer to a cancelled request).
    func received(_ line: Data) {
        guard let messages = JSONRPCProbe.parse(line) else { return }
        pending.withLock { pending in
            for message in messages {
                if message.isRequest, let id = message.id { pending.insert(id) }
                if message.method == "notifications/cancelled", let id = message.cancelledId { pending.remove(id) }
            }
        }
        signal.notify()
    }

    /// Records the answers in an outbound message.
    func sent(_ data: Data) {
        guard let messages = JSONRPCProbe.parse(data) else { return }
        let answered = messages.filter(\.isResponse).compactMap(\.id)
        guard !answered.isEmpty else { return }
        pending.withLock { pending in
            for id in answered { pending.remove(id) }
        }
        signal.notify()
    }

    var count: Int { pending.withLock { $0.count } }

    /// Returns once every received request is answered, or after `limit`.
    func drained(within limit: Duration) async {
        _ = try? await withTimeout(limit) { [self] in
            while true {
                let generation = signal.generation
                if count == 0 { return }
                await signal.wait(after: generation)
                try Task.checkCancellation()
            }
        }
    }
}
