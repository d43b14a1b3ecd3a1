import Foundation
import Runtime
import Testing

@testable import Transports

/// The relay under random interleavings of client lines, daemon answers, disconnections and
/// reconnections: no request that may write reaches a daemon twice, every request gets exactly one
/// answer, and the client never sees an answer for a request of the bridge's own.
@Suite struct BridgeRelayPropertyTests {
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11 &* 0x9E37_79B9_7F4A_7C15
        }
    }

    static func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }

    @Test(arguments: 0..<300)
    func randomInterleavingsKeepTheReplayRule(seed: Int) throws {
        var random = Random(state: UInt64(seed) &+ 1)
        var relay = BridgeRelay()
        var connected = false
        /// Requests the current daemon connection received and has not answered, in order.
        var daemonInbox: [Data] = []
        var sentCount: [Int: Int] = [:]
        var answers: [Int: Int] = [:]
        var nextId = 1
        var outstanding = Set<Int>()
        var toolOf: [Int: String] = [:]
        let tools = ["create_issue", "get_issue", "pause_issue", "list_issues"]
        func apply(_ outputs: [BridgeRelay.Output]) {
            for output in outputs {
                switch output {
                case .daemon(let line):
                    let message = Self.object(line)
                    if let id = message["id"] as? Int, message["method"] as? String == "tools/call" {
                        sentCount[id, default: 0] += 1
                    }
                    daemonInbox.append(line)
                case .client(let line):
                    let message = Self.object(line)
                    if let id = message["id"] as? Int { answers[id, default: 0] += 1 }
                    #expect(!(message["id"] is String), "the client saw the bridge's own answer: \(message)")
                }
            }
        }
        // The handshake.
        apply(relay.reconnected())
        connected = true
        apply(relay.fromClient(BridgeRelayTests.initialize))
        daemonInbox.removeAll()
        apply(relay.fromDaemon(BridgeRelayTests.answer("0")))
        apply(relay.fromClient(BridgeRelayTests.initialized))
        daemonInbox.removeAll()
        for _ in 0..<60 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...3:
                let id = nextId
                nextId += 1
                outstanding.insert(id)
                let tool = tools.randomElement(using: &random)!
                toolOf[id] = tool
                apply(relay.fromClient(BridgeRelayTests.call(id, tool)))
            case 4...6 where connected && !daemonInbox.isEmpty:
                // The daemon answers the oldest request it has.
                let line = daemonInbox.removeFirst()
                let message = Self.object(line)
                guard let id = message["id"] else { continue }
                let encoded = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": id, "result": [:] as [String: Any]])
                apply(relay.fromDaemon(encoded))
            case 7 where connected:
                relay.disconnected()
                connected = false
                daemonInbox.removeAll()
            case 8 where !connected:
                apply(relay.reconnected())
                connected = true
            case 9 where !connected && Bool.random(using: &random):
                apply(relay.gaveUp("no daemon"))
            default:
                break
            }
        }
        // Settle: connect and answer everything.
        if !connected {
            apply(relay.reconnected())
            connected = true
        }
        while !daemonInbox.isEmpty {
            let message = Self.object(daemonInbox.removeFirst())
            guard let id = message["id"] else { continue }
            apply(relay.fromDaemon(try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": id, "result": [:] as [String: Any]])))
        }
        for id in outstanding {
            #expect(answers[id] == 1, "request \(id) got \(answers[id] ?? 0) answers (seed \(seed))")
        }
        // Writes reach a daemon at most once; reads may be sent again.
        for (id, count) in sentCount where count > 1 {
            let tool = toolOf[id] ?? "?"
            #expect(ToolCatalog.readOnlyNames.contains(tool), "\(tool) \(id) reached a daemon \(count) times (seed \(seed))")
        }
    }
}
