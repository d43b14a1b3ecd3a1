import Adapters
import Foundation
import WorkflowParser

// Codex runner benchmarks against the fake app-server (Tests/Fixtures/codex/fake_app_server.py),
// run from the package root:
//
//   .build/release/maestro-bench runner-start [--runs 100]   launch → first turn/start answered
//   .build/release/maestro-bench runner-cpu [--runs 10]      client CPU per 10,000 notifications

/// Where the fake app-server and a Python to run it are, relative to the package root.
struct FakeAppServer {
    let script: String
    let scenarios: String
    let python: String

    init() throws {
        let root = FileManager.default.currentDirectoryPath
        script = root + "/Tests/Fixtures/codex/fake_app_server.py"
        scenarios = root + "/Tests/Fixtures/codex/scenarios"
        guard FileManager.default.fileExists(atPath: script) else { throw BenchError.unexpected("missing fixture \(script)") }
        let venv = root + "/.venv/bin/python3"
        python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    }

    func command(scenario: String, record: String) -> String {
        "exec '\(python)' '\(script)' --scenario '\(scenarios)/\(scenario).json' --record '\(record)'"
    }
}

/// One run of `CodexRunner` against the fake with `scenario`, in a fresh temporary workspace.
/// `HOME` points at an empty directory so `bash -l` reads no user profile: the figures are the
/// runner's, not someone's dotfiles'.
func benchRun(
    _ fake: FakeAppServer, scenario: String, onRecord: ([String: Double]) -> Void = { _ in }, onEvent: (RunnerEvent) -> Void
) async throws -> RunOutcome {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: base) }
    let root = base.appendingPathComponent("workspaces")
    let workspace = root.appendingPathComponent("BENCH-1")
    let home = base.appendingPathComponent("home")
    try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = home.path
    var codex = try WorkflowLoader.parse(
        "---\ntracker:\n  kind: kanban\n---\nWork on {{ issue.identifier }}.\n", file: "WORKFLOW.md", baseDirectory: base.path
    ).config.codex
    codex.command = fake.command(scenario: scenario, record: base.appendingPathComponent("record.jsonl").path)
    let request = CodexRunRequest(
        issueIdentifier: "BENCH-1", issueTitle: "Benchmark", workspacePath: workspace.path, workspaceRoot: root.path,
        prompt: "Benchmark the runner.", codex: codex, maxTurns: 1, environment: environment)
    let runner = CodexRunner(request: request)
    async let outcome = runner.run()
    for await event in runner.events { onEvent(event) }
    let result = await outcome
    onRecord(try firstArrivals(in: base.appendingPathComponent("record.jsonl")))
    return result
}

/// When the fake first received each client method (seconds since it started), from its record.
func firstArrivals(in record: URL) throws -> [String: Double] {
    var arrivals: [String: Double] = [:]
    for line in try String(contentsOf: record, encoding: .utf8).split(separator: "\n") {
        guard let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            entry["dir"] as? String == "client->server", let time = entry["t"] as? Double, let text = entry["line"] as? String,
            let message = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let method = message["method"] as? String,
            arrivals[method] == nil
        else { continue }
        arrivals[method] = time
    }
    return arrivals
}

/// Median and p90 of the time from `run()` to the first `turn/start` being answered (the
/// `turnStarted` event): bash and Python start-up, `initialize`, `thread/start`, `thread/name/set`,
/// `turn/start`. Also the handshake alone, as the fake saw it: `initialize` arriving to `turn/start`
/// arriving.
func benchRunnerStart(runs: Int) async throws {
    let fake = try FakeAppServer()
    _ = try await benchRun(fake, scenario: "quick") { _ in }  // warm caches
    let clock = ContinuousClock()
    var samples: [Duration] = []
    var handshakes: [Duration] = []
    for _ in 0..<runs {
        let start = clock.now
        var firstTurn: Duration?
        var handshake: Duration?
        let outcome = try await benchRun(
            fake, scenario: "quick",
            onRecord: { arrivals in
                guard let initialize = arrivals["initialize"], let turn = arrivals["turn/start"] else { return }
                handshake = .microseconds(Int64((turn - initialize) * 1_000_000))
            },
            onEvent: { event in
                if case .turnStarted = event.kind, firstTurn == nil { firstTurn = clock.now - start }
            })
        guard outcome.ending == .maxTurnsReached, let firstTurn, let handshake else { throw BenchError.unexpected("\(outcome.ending)") }
        samples.append(firstTurn)
        handshakes.append(handshake)
    }
    print(
        "runner start → first turn/start answered (fake app-server): median \(milliseconds(median(samples))), p90 \(milliseconds(percentile(samples, 0.9))) over \(runs) runs"
    )
    print(
        "of which initialize → turn/start as received by the fake: median \(milliseconds(median(handshakes))), p90 \(milliseconds(percentile(handshakes, 0.9)))"
    )
}

/// Client CPU (user + system, whole process, `getrusage`) between `turnStarted` and `turnCompleted`
/// of a turn in which the fake writes 10,000 `item/agentMessage/delta` notifications as fast as it can.
func benchRunnerCPU(runs: Int) async throws {
    let fake = try FakeAppServer()
    var samples: [Duration] = []
    var wall: [Duration] = []
    let clock = ContinuousClock()
    for _ in 0..<runs {
        var cpuAtStart: Duration = .zero
        var wallAtStart = clock.now
        var deltas = 0
        var cpu: Duration?
        var elapsed: Duration?
        let outcome = try await benchRun(fake, scenario: "flood") { event in
            switch event.kind {
            case .turnStarted:
                cpuAtStart = processCPUTime()
                wallAtStart = clock.now
            case .activity(let activity) where activity.method == "item/agentMessage/delta":
                deltas += activity.count
            case .turnCompleted:
                cpu = processCPUTime() - cpuAtStart
                elapsed = clock.now - wallAtStart
            default:
                break
            }
        }
        guard outcome.ending == .maxTurnsReached, deltas == 10_000, let cpu, let elapsed else {
            throw BenchError.unexpected("\(outcome.ending), \(deltas) deltas")
        }
        samples.append(cpu)
        wall.append(elapsed)
    }
    print(
        "client CPU per 10,000 notifications: median \(milliseconds(median(samples))), p90 \(milliseconds(percentile(samples, 0.9))) (wall median \(milliseconds(median(wall)))) over \(runs) runs"
    )
}

/// User plus system CPU time of this process so far, all threads.
func processCPUTime() -> Duration {
    var usage = rusage()
    #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    func duration(_ time: timeval) -> Duration { .seconds(Int64(time.tv_sec)) + .microseconds(Int64(time.tv_usec)) }
    return duration(usage.ru_utime) + duration(usage.ru_stime)
}
