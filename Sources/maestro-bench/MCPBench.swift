import Foundation
import Runtime

// `mcp-roundtrip`: a tool call's round trip through `maestro mcp` (a process) to `maestro run`
// (another), as an MCP client sees it: the request line written to the bridge's standard input, the
// answer line read from its standard output. Run from the repository root.

/// `maestro mcp` as a child with pipes on its standard input and output.
private struct BridgeProcess {
    let pid: pid_t
    let input: Int32
    let output: Int32
    private var pending: [UInt8] = []

    init(maestro: String, database: String, environment: [String: String]) throws {
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw BenchError.unexpected("pipe: \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        for fd in toChild + fromChild { posix_spawn_file_actions_addclose(&actions, fd) }
        let words = [maestro, "mcp", "--db", database]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, maestro, &actions, nil, argv, envp)
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else { throw BenchError.spawnFailed(status) }
        self.pid = pid
        input = toChild[1]
        output = fromChild[0]
    }

    func send(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw BenchError.unexpected("write to maestro mcp: \(errno)") }
            offset += written
        }
    }

    /// The next line the bridge writes.
    mutating func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw BenchError.unexpected("maestro mcp closed its output") }
            pending += buffer[..<count]
        }
    }

    /// Sends a request and returns its answer (no notifications are subscribed here).
    mutating func call(_ id: Int, _ tool: String, _ arguments: String) throws -> String {
        try send(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#)
        let answer = try receive()
        guard answer.contains(#""id":\#(id)"#), answer.contains(#"\"ok\":true"#) else {
            throw BenchError.unexpected("\(tool) failed: \(answer.prefix(300))")
        }
        return answer
    }

    func finish() -> Int32 {
        close(input)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        close(output)
        return (status >> 8) & 0xFF
    }
}

func benchMCPRoundTrip(runs: Int) async throws {
    let bench = try BenchDaemon(prompt: BenchDaemon.handOff)
    defer { bench.cleanup() }
    let board = try bench.board()
    _ = try await board.createProject(NewProject(name: "bench", key: "B"))
    _ = try await board.createIssue(in: "B", NewIssue(title: "read me", state: "backlog"))
    let daemon = try bench.start()
    defer { _ = bench.stop(daemon) }
    let log = bench.directory.appendingPathComponent("daemon.log")
    let deadline = Date().addingTimeInterval(30)
    while !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("mcp endpoint listening") {
        guard Date() < deadline else { throw BenchError.unexpected("the daemon's endpoint did not start") }
        try await Task.sleep(for: .milliseconds(20))
    }
    var bridge = try BridgeProcess(maestro: bench.maestro, database: bench.database, environment: bench.environment)
    try bridge.send(
        #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#
    )
    _ = try bridge.receive()
    try bridge.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
    var id = 1
    // Warm-up: the first calls pay for lazy initialization on both sides.
    for _ in 0..<20 {
        id += 1
        _ = try bridge.call(id, "get_issue", #"{"identifier":"B-1"}"#)
    }
    let clock = ContinuousClock()
    var reads: [Duration] = []
    for _ in 0..<runs {
        id += 1
        let call = id
        reads.append(try clock.measure { _ = try bridge.call(call, "get_issue", #"{"identifier":"B-1"}"#) })
    }
    var creates: [Duration] = []
    for index in 0..<runs {
        id += 1
        let call = id
        creates.append(
            try clock.measure {
                _ = try bridge.call(call, "create_issue", #"{"project":"B","title":"bench \#(index)","state":"backlog"}"#)
            })
    }
    let status = bridge.finish()
    guard status == 0 else { throw BenchError.unexpected("maestro mcp exited \(status)") }
    for (name, samples) in [("get_issue", reads), ("create_issue", creates)] {
        print(
            "mcp round trip, \(name) through maestro mcp (\(runs) calls): median \(milliseconds(median(samples))), p99 \(milliseconds(percentile(samples, 0.99))), max \(milliseconds(samples.max() ?? .zero))"
        )
    }
}
