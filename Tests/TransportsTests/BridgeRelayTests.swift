import Foundation
import Runtime
import Testing

@testable import Transports

/// The bridge's bookkeeping as a value: what is forwarded, what is replayed after a daemon
/// restart, what is sent again and what fails.
@Suite struct BridgeRelayTests {
    static let initialize = line(
        #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#
    )
    static let initialized = line(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)

    static func line(_ text: String) -> Data { Data(text.utf8) }

    static func call(_ id: Int, _ tool: String) -> Data {
        line(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":{}}}"#)
    }

    static func answer(_ id: String) -> Data { line(#"{"jsonrpc":"2.0","id":\#(id),"result":{}}"#) }

    static func object(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// A relay that completed the handshake and is connected.
    static func connectedRelay() -> BridgeRelay {
        var relay = BridgeRelay()
        _ = relay.reconnected()
        _ = relay.fromClient(initialize)
        _ = relay.fromDaemon(answer("0"))
        _ = relay.fromClient(initialized)
        return relay
    }

    @Test func linesPassThroughUnchangedWhileConnected() {
        var relay = BridgeRelay()
        #expect(relay.fromClient(Self.initialize).isEmpty, "queued until the first connection")
        #expect(relay.reconnected() == [.daemon(Self.initialize)], "the first connection replays nothing, it sends what waited")
        #expect(relay.fromDaemon(Self.answer("0")) == [.client(Self.answer("0"))])
        #expect(relay.fromClient(Self.initialized) == [.daemon(Self.initialized)])
        let notification = Self.line(#"{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"maestro://board"}}"#)
        #expect(relay.fromDaemon(notification) == [.client(notification)])
        #expect(relay.fromDaemon(Self.line("not json")) == [.client(Self.line("not json"))])
        #expect(relay.pending.isEmpty)
    }

    @Test func aRestartReplaysTheHandshakeUnderTheBridgesOwnIdAndSwallowsItsAnswer() throws {
        var relay = Self.connectedRelay()
        _ = relay.fromClient(Self.line(#"{"jsonrpc":"2.0","id":7,"method":"resources/subscribe","params":{"uri":"maestro://issues/MAE-1"}}"#))
        _ = relay.fromDaemon(Self.answer("7"))
        relay.disconnected()
        let replay = relay.reconnected()
        guard case .daemon(let initialize)? = replay.first, replay.count == 1 else {
            Issue.record("expected the replayed initialize alone, got \(replay)")
            return
        }
        let object = Self.object(initialize)
        #expect(object["method"] as? String == "initialize" && object["id"] as? String == "maestro-bridge-1")
        #expect((object["params"] as? [String: Any])?["protocolVersion"] as? String == "2025-11-25", "the client's own parameters")
        // While the handshake is replayed, the client's lines wait.
        #expect(relay.fromClient(Self.call(8, "get_issue")).isEmpty)
        let resumed = relay.fromDaemon(Self.line(#"{"jsonrpc":"2.0","id":"maestro-bridge-1","result":{"protocolVersion":"2025-11-25"}}"#))
        #expect(resumed.count == 4, "\(resumed)")
        #expect(resumed.first == .daemon(Self.initialized), "the duplicate answer is swallowed; initialized follows")
        guard case .daemon(let subscribe) = resumed[1], case .client(let updated) = resumed[2] else {
            Issue.record("expected a re-subscription and an update hint, got \(resumed)")
            return
        }
        #expect(Self.object(subscribe)["method"] as? String == "resources/subscribe")
        #expect((Self.object(updated)["params"] as? [String: Any])?["uri"] as? String == "maestro://issues/MAE-1")
        #expect(resumed[3] == .daemon(Self.call(8, "get_issue")))
        // The answer to the re-subscription is the bridge's own too.
        let ownId = try #require(Self.object(subscribe)["id"] as? String)
        #expect(relay.fromDaemon(Self.line(#"{"jsonrpc":"2.0","id":"\#(ownId)","result":{}}"#)).isEmpty)
    }

    @Test func unansweredReadsAreSentAgainAndOtherCallsFailOnce() throws {
        var relay = Self.connectedRelay()
        _ = relay.fromClient(Self.call(1, "create_issue"))
        _ = relay.fromClient(Self.call(2, "get_issue"))
        _ = relay.fromClient(Self.line(#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"maestro://board"}}"#))
        _ = relay.fromClient(Self.call(4, "no_such_tool"))
        relay.disconnected()
        _ = relay.reconnected()
        let resumed = relay.fromDaemon(Self.line(#"{"jsonrpc":"2.0","id":"maestro-bridge-1","result":{}}"#))
        let sent = resumed.compactMap { output -> Data? in if case .daemon(let line) = output { line } else { nil } }
        let failed = resumed.compactMap { output -> [String: Any]? in if case .client(let line) = output { Self.object(line) } else { nil } }
        #expect(
            sent == [
                Self.initialized, Self.call(2, "get_issue"),
                Self.line(#"{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"maestro://board"}}"#),
            ])
        #expect(failed.map { $0["id"] as? Int } == [1, 4])
        let error = try #require(failed.first?["error"] as? [String: Any])
        #expect(error["code"] as? Int == BridgeRelay.interruptedCode)
        #expect((error["message"] as? String)?.contains("tools/call create_issue was in flight") == true, "\(error)")
        #expect(relay.pending.map(\.id) == [2, 3], "the reads wait for their answers again")
        // A second restart does not fail the first call twice.
        relay.disconnected()
        _ = relay.reconnected()
        let again = relay.fromDaemon(Self.line(#"{"jsonrpc":"2.0","id":"maestro-bridge-2","result":{}}"#))
        #expect(!again.contains { if case .client = $0 { true } else { false } })
    }

    @Test func anInitializeInFlightIsSentAgainAsTheClientsOwn() {
        var relay = BridgeRelay()
        _ = relay.reconnected()
        _ = relay.fromClient(Self.initialize)
        relay.disconnected()
        #expect(relay.reconnected() == [.daemon(Self.initialize)], "not answered yet: the client still waits for this answer")
        #expect(relay.fromDaemon(Self.answer("0")) == [.client(Self.answer("0"))])
    }

    @Test func aCancelledRequestIsForgottenAndBatchesAreNeverSentTwice() {
        var relay = Self.connectedRelay()
        _ = relay.fromClient(Self.call(1, "get_issue"))
        _ = relay.fromClient(Self.line(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#))
        #expect(relay.pending.isEmpty)
        let batch = Self.line(
            #"[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get_issue"}}]"#)
        #expect(relay.fromClient(batch) == [.daemon(batch)])
        #expect(relay.pending.map(\.retryable) == [false, false])
    }

    @Test func givingUpFailsWhatWaitsAndLaterLinesAreQueuedForTheNextAttempt() {
        var relay = Self.connectedRelay()
        _ = relay.fromClient(Self.call(1, "get_issue"))
        relay.disconnected()
        #expect(relay.fromClient(Self.call(2, "list_projects")).isEmpty)
        #expect(relay.fromClient(Self.initialized).isEmpty)
        let failed = relay.gaveUp("no live maestro daemon for db")
        #expect(failed.count == 2, "two requests; the notification needs no answer")
        #expect(relay.isIdle)
        #expect(relay.fromClient(Self.call(3, "get_issue")).isEmpty)
        #expect(!relay.isIdle)
    }

    @Test func theReadOnlyRuleFollowsTheToolCatalog() {
        #expect(BridgeRelay.onlyReads(method: "tools/call", tool: "get_issue"))
        #expect(BridgeRelay.onlyReads(method: "tools/call", tool: "list_transitions"))
        #expect(!BridgeRelay.onlyReads(method: "tools/call", tool: "set_blockers"), "idempotent, but it writes")
        #expect(!BridgeRelay.onlyReads(method: "tools/call", tool: "refresh"))
        #expect(!BridgeRelay.onlyReads(method: "tools/call", tool: nil))
        #expect(BridgeRelay.onlyReads(method: "resources/read", tool: nil))
        #expect(!BridgeRelay.onlyReads(method: "sampling/createMessage", tool: nil))
    }
}
