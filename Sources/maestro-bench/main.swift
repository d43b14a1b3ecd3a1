import Foundation
import StateMachine
import WorkflowParser

// maestro-bench: release-mode measurements recorded in Specs/benchmarks.md.
//
//   swift build -c release
//   .build/release/maestro-bench validate [WORKFLOW.md] [--runs N]   (and see the usage text below)
//   .build/release/maestro-bench runner-start [--runs N]   Codex runner start-up, fake app-server (RunnerBench.swift)
//   .build/release/maestro-bench runner-cpu [--runs N]     Codex runner CPU per 10,000 notifications
//   .build/release/maestro-bench mcp-roundtrip [--runs N]  tool calls through `maestro mcp` (MCPBench.swift)
//
// `validate` measures loading + compiling in-process, then the full `maestro validate` process
// (spawned from the binary beside this one), and prints medians and p90s.

func median(_ samples: [Duration]) -> Duration { samples.sorted()[samples.count / 2] }
func percentile(_ samples: [Duration], _ p: Double) -> Duration {
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
func milliseconds(_ duration: Duration) -> String {
    let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(format: "%.3f ms", ms)
}

func measure(runs: Int, _ body: () throws -> Void) rethrows -> [Duration] {
    let clock = ContinuousClock()
    var samples: [Duration] = []
    for _ in 0..<runs { samples.append(try clock.measure(body)) }
    return samples
}

func benchValidate(path: String, runs: Int) throws {
    _ = try WorkflowLoader.load(path: path)  // warm caches
    let load = try measure(runs: runs) { _ = try WorkflowLoader.load(path: path) }
    print("in-process load+compile of \(path): median \(milliseconds(median(load))), p90 \(milliseconds(percentile(load, 0.9))) over \(runs) runs")

    let maestro = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("maestro")
    guard FileManager.default.isExecutableFile(atPath: maestro.path) else {
        print("no maestro binary beside maestro-bench; skipped the process measurement")
        return
    }
    let processRuns = max(runs / 4, 10)
    let spawned = try measure(runs: processRuns) {
        let status = try spawnAndWait(maestro.path, ["validate", path])
        guard status == 0 else { throw BenchError.validateFailed(status) }
    }
    print(
        "process `maestro validate \(path)`: median \(milliseconds(median(spawned))), p90 \(milliseconds(percentile(spawned, 0.9))) over \(processRuns) runs"
    )
}

/// posix_spawn + waitpid: Foundation's `Process.waitUntilExit` polls its run loop and would add
/// tens of milliseconds to every measurement.
func spawnAndWait(_ executable: String, _ arguments: [String]) throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw BenchError.spawnFailed(spawned) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return (status >> 8) & 0xFF
}

enum BenchError: Error {
    case unexpected(String)
    case spawnFailed(Int32)
    case validateFailed(Int32)
    case usage
}

var arguments = Array(CommandLine.arguments.dropFirst())
var runs = 200
let runsGiven = arguments.contains("--runs")
if let index = arguments.firstIndex(of: "--runs"), index + 1 < arguments.count, let value = Int(arguments[index + 1]) {
    runs = max(value, 1)
    arguments.removeSubrange(index...(index + 1))
}
do {
    switch arguments.first {
    case "validate":
        try benchValidate(path: arguments.dropFirst().first ?? "WORKFLOW.md", runs: runs)
    case "transitions":
        try await benchTransitions(count: runs)
    case "issue-list":
        try await benchIssueList(count: arguments.dropFirst().first.flatMap(Int.init) ?? 10_000)
    case "runner-start":
        try await benchRunnerStart(runs: runsGiven ? runs : 100)
    case "runner-cpu":
        try await benchRunnerCPU(runs: runsGiven ? runs : 10)
    case "dispatch-latency":
        try await benchDispatchLatency(count: runsGiven ? runs : 200)
    case "daemon-batch":
        try await benchDaemonBatch(count: runsGiven ? runs : 200)
    case "tick":
        try await benchTick(count: arguments.dropFirst().first.flatMap(Int.init) ?? 10_000)
    case "busy-agents":
        try await benchBusyAgents(count: runsGiven ? runs : 10, seconds: 8)
    case "http-state":
        try await benchHTTPState(boardSize: arguments.dropFirst().first.flatMap(Int.init) ?? 10_000)
    case "encode-state":
        try benchEncodeState(runs: runsGiven ? runs : 1000)
    case "ws-latency":
        try await benchWebSocketDelivery(clients: runsGiven ? runs : 50, changes: 200)
    case "mcp-roundtrip":
        try await benchMCPRoundTrip(runs: runsGiven ? runs : 1000)
    case "dashboard":
        try await benchDashboard(count: arguments.dropFirst().first.flatMap(Int.init) ?? 1000, runs: runsGiven ? runs : 10)
    case "idle":
        try await benchIdle(seconds: runsGiven ? runs : 10)
    case "linear-sync":
        let rest = Array(arguments.dropFirst())
        try await benchLinearSync(count: rest.first.flatMap(Int.init) ?? 2000, pageSize: rest.dropFirst().first.flatMap(Int.init) ?? 50)
    case "linear-requests":
        try await benchLinearRequests(count: runsGiven ? runs : 20)
    case "linear-dispatch":
        try await benchLinearDispatch(runs: runsGiven ? runs : 20, webhook: arguments.dropFirst().first == "webhook")
    case "contend" where arguments.count == 4:
        try await contend(databasePath: arguments[1], issueId: Int64(arguments[2]) ?? 0, expectedVersion: Int(arguments[3]) ?? 0)
    default:
        print(
            """
            usage: maestro-bench validate [WORKFLOW.md] [--runs N]
                   maestro-bench transitions [--runs N]
                   maestro-bench issue-list [COUNT]
                   maestro-bench contend DATABASE ISSUE-ID EXPECTED-VERSION
                   maestro-bench runner-start [--runs N]
                   maestro-bench runner-cpu [--runs N]
                   maestro-bench dispatch-latency [--runs N]     (from the repository root)
                   maestro-bench daemon-batch [--runs N]         (from the repository root)
                   maestro-bench tick [COUNT]
                   maestro-bench busy-agents [--runs AGENTS]      (from the repository root)
                   maestro-bench http-state [BOARD-SIZE]            (from the repository root)
                   maestro-bench encode-state [--runs N]
                   maestro-bench ws-latency [--runs CLIENTS]       (from the repository root)
                   maestro-bench idle [--runs SECONDS]
                   maestro-bench dashboard [ISSUES] [--runs N]        (from the repository root; needs chromium-driver and .venv)
                   maestro-bench linear-sync [COUNT [PAGE-SIZE]]      (from the repository root; needs graphql-core)
                   maestro-bench linear-requests [--runs ISSUES]
                   maestro-bench linear-dispatch [poll|webhook] [--runs N]
                   maestro-bench mcp-roundtrip [--runs N]        (from the repository root)
            """)
        throw BenchError.usage
    }
} catch {
    FileHandle.standardError.write(Data("maestro-bench: \(error)\n".utf8))
    exit(1)
}
