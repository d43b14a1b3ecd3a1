import AsyncHTTPClient
import Foundation
import GRDB
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Runtime
import StateMachine
import Synchronization

// HTTP surface benchmarks: `GET /api/v1/state` under load, and commit → WebSocket delivery.

/// The base URL a daemon published in its lock file, once it listens.
func listeningURL(_ bench: BenchDaemon) async throws -> String {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        if let url = DaemonLock.liveHolder(databasePath: bench.database)?.http { return url }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw BenchError.unexpected("the daemon did not publish its address")
}

func http(_ method: HTTPMethod, _ url: String, _ body: String? = nil) async throws -> (Int, String) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let body {
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 64 << 20)))
}

/// `GET /api/v1/state` latency with 10,000 issues on the board and 100 live sessions while 200
/// more issues dispatch and close.
func benchHTTPState(boardSize: Int) async throws {
    let prompt = """
        Work on {{ issue.identifier }}.
        {% if issue.title contains "hang" %}@@silence {}{% endif %}
        @@toolCall {"tool": "kanban_move", "arguments": {"state": "done"}}
        """
    let bench = try BenchDaemon(prompt: prompt, agents: 400)
    defer { bench.cleanup() }
    let board = try bench.board()
    _ = try await board.createProject(NewProject(name: "bench", key: "B"))
    try await board.store.write { db in
        guard var project = try ProjectRecord.find("B", in: db) else { return }
        for index in 0..<boardSize {
            var issue = IssueRecord(
                projectId: project.id ?? 0, identifier: "B-\(try project.allocateNumber(db))", title: "parked \(index)", description: nil,
                priority: nil, trackerState: "backlog", labels: [], at: Date())
            issue.lifecycleState = .released
            try issue.insert(db)
        }
    }
    let daemon = try bench.start()
    defer { _ = bench.stop(daemon) }
    let base = try await listeningURL(bench)
    for index in 1...100 { _ = try await http(.POST, "\(base)/api/v1/issues", #"{"project": "B", "title": "hang \#(index)"}"#) }
    while true {
        let (_, body) = try await http(.GET, "\(base)/api/v1/state")
        let state = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let running = state?["running"] as? [[String: Any]] ?? []
        // Every session past its start (agents are Python processes: starting 100 takes seconds).
        if running.count == 100, running.allSatisfy({ ($0["turn_count"] as? Int ?? 0) >= 1 }) { break }
        try await Task.sleep(for: .milliseconds(50))
    }
    try await Task.sleep(for: .seconds(2))
    // First with the 100 sessions live and nothing else happening, then while 200 more dispatch.
    let clock = ContinuousClock()
    var quiet: [Duration] = []
    let quietRequests = ProcessInfo.processInfo.environment["MAESTRO_BENCH_QUIET"].flatMap(Int.init) ?? 300
    for _ in 0..<max(quietRequests, 1) { quiet.append(try await clock.measure { _ = try await http(.GET, "\(base)/api/v1/state") }) }
    print(
        "GET /api/v1/state with \(boardSize) issues and 100 live sessions, nothing dispatching (\(quiet.count) requests): median \(milliseconds(median(quiet))), p99 \(milliseconds(percentile(quiet, 0.99)))"
    )
    let done = Shared(false)
    // `/healthz` between the state requests is the floor: the same client and server under the
    // same load, with a route that does nothing.
    let (samples, floor) = try await withThrowingTaskGroup(of: ([Duration], [Duration]).self) { group in
        group.addTask {
            for index in 1...200 { _ = try await http(.POST, "\(base)/api/v1/issues", #"{"project": "B", "title": "quick \#(index)"}"#) }
            while true {
                let (_, body) = try await http(.GET, "\(base)/api/v1/issues?search=quick&lifecycle=closed&limit=1000")
                let closed = ((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["items"] as? [Any])?.count ?? 0
                if closed == 200 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            done.set(true)
            return ([], [])
        }
        group.addTask {
            var samples: [Duration] = []
            var floor: [Duration] = []
            let clock = ContinuousClock()
            while !done.value {
                samples.append(try await clock.measure { _ = try await http(.GET, "\(base)/api/v1/state") })
                floor.append(try await clock.measure { _ = try await http(.GET, "\(base)/healthz") })
            }
            return (samples, floor)
        }
        var all: ([Duration], [Duration]) = ([], [])
        for try await part in group {
            all.0 += part.0
            all.1 += part.1
        }
        return all
    }
    print(
        "GET /api/v1/state with \(boardSize) issues, 100 live sessions, 200 dispatching (\(samples.count) requests): median \(milliseconds(median(samples))), p99 \(milliseconds(percentile(samples, 0.99)))"
    )
    print(
        "GET /healthz between them (\(floor.count) requests): median \(milliseconds(median(floor))), p99 \(milliseconds(percentile(floor, 0.99)))"
    )
}

/// Commit → WebSocket delivery to `clients` connected clients, for board changes committed by the
/// daemon (comments over HTTP); latency is the receive time minus the change's commit timestamp.
func benchWebSocketDelivery(clients: Int, changes: Int) async throws {
    let bench = try BenchDaemon(prompt: "Work.", agents: 1)
    defer { bench.cleanup() }
    let board = try bench.board()
    _ = try await board.createProject(NewProject(name: "bench", key: "B"))
    _ = try await board.createIssue(in: "B", NewIssue(title: "talked about", state: "backlog"))
    let daemon = try bench.start()
    defer { _ = bench.stop(daemon) }
    let base = try await listeningURL(bench)
    let (_, last) = try await http(.GET, "\(base)/api/v1/log?after=0&limit=1000")
    let after = ((try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [[String: Any]])?.last?["seq"] as? Int) ?? 0
    let latencies = Shared<[Double]>([])
    let connected = Shared(0)
    let logger = { () -> Logger in
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
    }()
    let url = base.replacingOccurrences(of: "http://", with: "ws://") + "/api/v1/ws?after=\(after)"
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<clients {
            group.addTask {
                try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                    connected.update { $0 += 1 }
                    var received = 0
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message, text.contains(#""type":"change""#),
                            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                            let change = object["change"] as? [String: Any], let at = (change["at"] as? String).flatMap(MaestroJSON.parseTimestamp)
                        else { continue }
                        let latency = Date().timeIntervalSince(at) * 1000
                        latencies.update { $0.append(latency) }
                        received += 1
                        if received == changes { break }
                    }
                    try await outbound.close(.normalClosure, reason: nil)
                }
            }
        }
        while connected.value < clients { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(500))
        for index in 1...changes {
            _ = try await http(.POST, "\(base)/api/v1/issues/B-1/comments", #"{"body": "comment \#(index)"}"#)
            try await Task.sleep(for: .milliseconds(10))
        }
        try await group.waitForAll()
    }
    let sorted = latencies.value.sorted()
    guard !sorted.isEmpty else { throw BenchError.unexpected("no deliveries") }
    print(
        String(
            format: "commit → WebSocket delivery, %d clients × %d changes (%d deliveries): median %.2f ms, p99 %.2f ms", clients, changes,
            sorted.count, sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]))
}

/// A value shared between a benchmark's tasks.
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    init(_ value: Value) {
        state = Mutex(value)
    }

    var value: Value { state.withLock { $0 } }
    func set(_ value: Value) { state.withLock { $0 = value } }
    func update(_ body: (inout Value) -> Void) { state.withLock { body(&$0) } }
}

/// Encoding a `GET /api/v1/state` answer with 100 running rows: maestro's encoder against
/// Foundation's with the same settings (the bytes are the same; `VocabularyEncoderTests`).
func benchEncodeState(runs: Int) throws {
    let now = MaestroJSON.timestamp(Date())
    let rows = (1...100).map { index in
        """
        {"issue_id":"B-\(index)","issue_identifier":"B-\(index)","issue_url":null,"state":"todo","session_id":"\(index)",
         "thread_id":"thread-\(index)","turn_count":3,"last_event":"item/agentMessage/delta","last_message":"Working on B-\(index): reading the tests",
         "started_at":"\(now)","last_event_at":"\(now)","tokens":{"input_tokens":12000,"output_tokens":3400,"total_tokens":15400},
         "lifecycle_state":"running","phase":"implementation","waiting_on_operator":false}
        """
    }
    let text = """
        {"generated_at":"\(now)","counts":{"running":100,"retrying":0,"blocked":0},"running":[\(rows.joined(separator: ","))],
         "retrying":[],"blocked":[],"codex_totals":{"input_tokens":1,"output_tokens":2,"total_tokens":3,"seconds_running":12.5},
         "rate_limits":null,"workflow":{"path":"WORKFLOW.md","revision":1,"last_reload_errors":[],"summary":"s","warnings":[]},"sync":null}
        """
    let snapshot = try MaestroJSON.decoder().decode(RuntimeSnapshot.self, from: Data(text.utf8))
    let encoder = MaestroJSON.encoder()
    guard try MaestroJSON.text(snapshot) == String(decoding: try encoder.encode(snapshot), as: UTF8.self) else {
        throw BenchError.unexpected("the encoders disagree")
    }
    let ours = try measure(runs: runs) { _ = try MaestroJSON.text(snapshot) }
    let foundation = try measure(runs: runs) { _ = try encoder.encode(snapshot) }
    print(
        "encode GET /api/v1/state, 100 running rows (\(runs) runs): MaestroJSON.text median \(milliseconds(median(ours))), "
            + "p99 \(milliseconds(percentile(ours, 0.99))); Foundation JSONEncoder median \(milliseconds(median(foundation))), "
            + "p99 \(milliseconds(percentile(foundation, 0.99)))")
}
