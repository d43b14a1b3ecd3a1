import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import RuntimeTesting
import Testing

@testable import Runtime
@testable import Transports

/// The WebSocket stream over a real socket: replay after a seq, live entries, resumption without
/// gaps or repeats, the Origin check, and a slow client closed rather than waited for.
@Suite struct EventStreamTests {
    /// Reads text messages until `enough` says so (or the stream ends), then closes.
    static func read(
        _ client: any TestClientProtocol, _ path: String, headers: HTTPFields = [:], until enough: @escaping @Sendable ([[String: Any]]) -> Bool
    ) async throws -> (messages: [[String: Any]], close: WebSocketCloseFrame?) {
        let collected = Collected()
        let close = try await client.ws(path, configuration: .init(additionalHeaders: headers)) { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message,
                    let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                else { continue }
                // Close only when the client had enough; a closed stream is the server's close.
                if collected.append(object, until: enough) { return try await outbound.close(.normalClosure, reason: nil) }
            }
        }
        return (collected.messages, close)
    }

    static func seqs(_ messages: [[String: Any]]) -> [Int] {
        messages.filter { ["transition", "change"].contains($0["type"] as? String) }.compactMap { $0["seq"] as? Int }
    }

    @Test func aReconnectingClientMissesNothingAndSeesNothingTwice() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        for index in 1...5 { _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "issue \(index)")) }
        try await harness.client(.live) { client in
            let first = try await Self.read(client, "/api/v1/ws?after=0") { Self.seqs($0).count >= 6 }
            #expect(first.messages.first?["type"] as? String == "hello" && first.messages.first?["seq"] as? Int == 0)
            let firstSeqs = Self.seqs(first.messages)
            #expect(firstSeqs == Array(1...6))
            // Meanwhile the board moves on: two moves, each with its lifecycle consequence.
            _ = try await harness.api.moveIssue("MAE-1", to: "done")
            _ = try await harness.api.moveIssue("MAE-2", to: "backlog")
            let last = try #require(firstSeqs.last)
            let total = try await harness.api.lastSeq()
            let second = try await Self.read(client, "/api/v1/ws?after=\(last)") { Self.seqs($0).last == Int(total) }
            let secondSeqs = Self.seqs(second.messages)
            #expect(secondSeqs == Array((last + 1)...Int(total)), "no gap, no repeat")
            let kinds = second.messages.compactMap { $0["type"] as? String }
            #expect(kinds.contains("transition") && kinds.contains("change"))
            let transition = try #require(second.messages.first { $0["type"] as? String == "transition" })
            #expect(keys(transition) == ["seq", "transition", "type"])
            // Live: an entry committed while connected arrives.
            let live = try await Self.read(client, "/api/v1/ws") { messages in
                if messages.count == 1 { Task { _ = try? await harness.api.comment(on: "MAE-3", body: "live", author: "ana") } }
                return Self.seqs(messages).count == 1
            }
            #expect(live.messages.first?["seq"] as? Int == Int(total), "without `after` the stream starts at the end of the log")
            #expect((live.messages.last?["change"] as? [String: Any])?["kind"] as? String == "comment_added")
        }
    }

    /// What the stream refuses, and why (the wire side — the envelope as one message, then the
    /// close 1008 with the code as its reason — is driven by a real client in WebSocketClientTests).
    @Test func aForeignOriginAWrongTokenAndAMalformedAfterAreRefused() async throws {
        let harness = try await HTTPHarness(settings: HTTPSettings(port: 0, token: "t0ken"))
        defer { harness.cleanup() }
        let stream = EventStream(api: harness.api, settings: harness.surface.settings, runtime: RuntimeFeed())
        func request(_ path: String, _ headers: HTTPFields) -> Request {
            var head = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1:8787", path: path)
            head.headerFields = headers
            return Request(head: head, body: .init(buffer: ByteBuffer()))
        }
        let token: HTTPFields = [.authorization: "Bearer t0ken"]
        #expect(stream.refusal(of: request("/api/v1/ws?after=3", token)) == nil)
        #expect(stream.refusal(of: request("/api/v1/ws?access_token=t0ken", [:])) == nil)
        #expect(stream.refusal(of: request("/api/v1/ws", token + [.origin: "http://127.0.0.1:8787"])) == nil, "its own page")
        #expect(stream.refusal(of: request("/api/v1/ws", token + [.origin: "ws://localhost"])) == nil, "not a browser page")
        #expect(stream.refusal(of: request("/api/v1/ws", token + [.origin: "http://evil.example"]))?.code == "forbidden_origin")
        #expect(
            stream.refusal(of: request("/api/v1/ws", token + [.origin: "ws://localhost", .origin: "https://evil.example"]))?.code
                == "forbidden_origin")
        #expect(stream.refusal(of: request("/api/v1/ws", [:]))?.code == "unauthorized")
        #expect(stream.refusal(of: request("/api/v1/ws?access_token=t0kem", [:]))?.code == "unauthorized")
        #expect(stream.refusal(of: request("/api/v1/ws?after=-3", token))?.code == "invalid_parameter")
        let allowing = EventStream(
            api: harness.api, settings: HTTPSettings(port: 0, allowedOrigins: ["https://dash.example"]), runtime: RuntimeFeed())
        #expect(allowing.refusal(of: request("/api/v1/ws", [.origin: "https://dash.example"])) == nil)
    }

    @Test func aClientThatCannotKeepUpIsClosedWithAReason() async throws {
        let harness = try await HTTPHarness(settings: HTTPSettings(port: 0, streamBuffer: 2))
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        for index in 1...200 { _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "issue \(index)")) }
        try await harness.client(.live) { client in
            let slow = try await Self.read(client, "/api/v1/ws?after=0") { _ in false }
            #expect(slow.close?.closeCode == .policyViolation)
            #expect(slow.close?.reason?.contains("too slow") == true)
            #expect(Self.seqs(slow.messages).count < 200)
        }
    }
}

/// Messages read so far, shared with the reading closure.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [[String: Any]] = []

    var messages: [[String: Any]] { lock.withLock { stored } }

    /// Appends and tells whether `enough` is now satisfied.
    func append(_ message: [String: Any], until enough: ([[String: Any]]) -> Bool) -> Bool {
        lock.withLock {
            stored.append(message)
            return enough(stored)
        }
    }
}
