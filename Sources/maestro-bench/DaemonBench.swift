import Adapters
import Foundation
import GRDB
import Logging
import Runtime
import StateMachine
import WorkflowParser

// Daemon benchmarks: dispatch latency, CPU and peak RSS for a batch, one tick with 10,000 issues,
// and idle cost. Run from the repository root (the fake agent lives in Tests/Fixtures/codex).

/// A scratch directory with a WORKFLOW.md whose agent is the fake app-server following the prompt.
struct BenchDaemon {
    let directory: URL
    var database: String { directory.appendingPathComponent("maestro.sqlite").path }
    var records: URL { directory.appendingPathComponent("records") }
    let maestro: String

    /// - Parameter review: a review phase prompt; `nil` turns the review phase off.
    init(prompt: String, agents: Int = 10, review: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-bench-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("records"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("home"), withIntermediateDirectories: true)
        let fake = URL(fileURLWithPath: "Tests/Fixtures/codex").standardizedFileURL
        guard FileManager.default.fileExists(atPath: fake.appendingPathComponent("fake_app_server.py").path) else {
            throw BenchError.unexpected("run maestro-bench from the repository root (Tests/Fixtures/codex is needed)")
        }
        let command =
            "exec python3 \(fake.path)/fake_app_server.py --scenario \(fake.path)/scenarios/follow-prompt.json --record \(directory.path)/records/rec-$$.jsonl"
        try """
        ---
        tracker:
          kind: kanban
        workspace:
          root: ./workspaces
        agent:
          max_concurrent_agents: \(agents)
        codex:
          command: "\(command)"
        phases:
          review:
        \(review.map { "    prompt: |\n" + $0.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") } ?? "    enabled: false")
        ---
        \(prompt)
        """.write(to: directory.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)
        maestro = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("maestro").path
    }

    static let handOff = "Implement {{ issue.identifier }}.\n@@toolCall {\"tool\": \"kanban_move\", \"arguments\": {\"state\": \"done\"}}"

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.appendingPathComponent("home").path
        environment["MAESTRO_DB"] = database
        return environment
    }

    /// The API a CLI process has over the bench's database.
    func board() throws -> RuntimeAPI {
        kanbanAPI(
            try Store.open(path: database), try WorkflowLoader.load(path: directory.appendingPathComponent("WORKFLOW.md").path))
    }

    /// Starts `maestro run` on the directory's workflow and database; returns its pid.
    func start() throws -> pid_t {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 2, directory.appendingPathComponent("daemon.log").path, O_WRONLY | O_CREAT, 0o644)
        let words: [String] = [maestro, "run", directory.appendingPathComponent("WORKFLOW.md").path, "--db", database, "--port", "0"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let status = posix_spawn(&pid, maestro, &actions, nil, argv, envp)
        guard status == 0 else { throw BenchError.spawnFailed(status) }
        return pid
    }

    /// SIGTERM, then the child's resource usage as the kernel reports it at reaping.
    func stop(_ pid: pid_t) -> rusage {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        return usage
    }

    func cleanup() { try? FileManager.default.removeItem(at: directory) }
}

/// `maestro issue create` to the agent's `turn/start`, one issue at a time.
func benchDispatchLatency(count: Int) async throws {
    let bench = try BenchDaemon(prompt: BenchDaemon.handOff)
    defer { bench.cleanup() }
    _ = try await bench.board().createProject(NewProject(name: "bench", key: "B"))
    let daemon = try bench.start()
    try await Task.sleep(for: .milliseconds(500))
    var latencies: [Duration] = []
    var seen = Set<String>()
    for index in 1...count {
        let started = Date()
        let status = try spawnAndWait(bench.maestro, ["issue", "create", "--project", "B", "--title", "issue \(index)", "--db", bench.database])
        guard status == 0 else { throw BenchError.validateFailed(status) }
        let marker = "Implement B-\(index)."
        let deadline = Date().addingTimeInterval(20)
        var found: Double?
        while found == nil, Date() < deadline {
            for name in try FileManager.default.contentsOfDirectory(atPath: bench.records.path) where !seen.contains(name) {
                guard let text = try? String(contentsOf: bench.records.appendingPathComponent(name), encoding: .utf8),
                    let line = text.split(separator: "\n").first(where: { $0.contains("turn/start") && $0.contains(marker) }),
                    let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let wall = entry["wall"] as? Double
                else { continue }
                found = wall
                seen.insert(name)
            }
            if found == nil { try await Task.sleep(for: .milliseconds(1)) }
        }
        guard let wall = found else { throw BenchError.unexpected("no turn/start for B-\(index)") }
        latencies.append(.milliseconds(Int64((wall - started.timeIntervalSince1970) * 1_000_000) / 1000))
    }
    _ = bench.stop(daemon)
    print(
        "dispatch latency, `maestro issue create` to turn/start (\(count) issues): median \(milliseconds(median(latencies))), p99 \(milliseconds(percentile(latencies, 0.99)))"
    )
}

/// Orchestrator CPU seconds and peak RSS while `count` issues flow through the fake agent.
func benchDaemonBatch(count: Int) async throws {
    let bench = try BenchDaemon(prompt: BenchDaemon.handOff, agents: 10)
    defer { bench.cleanup() }
    let board = try bench.board()
    _ = try await board.createProject(NewProject(name: "bench", key: "B"))
    for index in 1...count { _ = try await board.createIssue(in: "B", NewIssue(title: "issue \(index)")) }
    let clock = ContinuousClock()
    let start = clock.now
    let daemon = try bench.start()
    let deadline = start + .seconds(600)
    while clock.now < deadline {
        let open = try await board.store.read { db in
            try IssueRecord.filter(Column("lifecycleState") != LifecycleState.closed.rawValue).fetchCount(db)
        }
        if open == 0 { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    let elapsed = clock.now - start
    // The daemon's own figures from /proc: wait4's rusage would add every agent process it reaped.
    let cpu = Double(ProcessStat.cpuTicks(daemon)) / Double(sysconf(Int32(_SC_CLK_TCK)))
    let peak = ProcessStat.status(daemon, "VmHWM")
    let agents = bench.stop(daemon)
    let all = Double(agents.ru_utime.tv_sec + agents.ru_stime.tv_sec) + Double(agents.ru_utime.tv_usec + agents.ru_stime.tv_usec) / 1e6
    print(
        String(
            format: "%d issues at concurrency 10: %.2f s wall, orchestrator CPU %.2f s, peak RSS %@ (with the agents' processes: CPU %.2f s)",
            count, elapsed.seconds, cpu, peak, all))
}

/// An agent that never runs: ticks alone are measured.
struct IdleAgent: AgentRunner {
    func run(
        _ request: AgentRunRequest, control: AgentRunControl, report: @escaping @Sendable (AgentRunReport) async -> Void,
        shouldContinue: @escaping @Sendable () async -> Bool
    ) async -> AgentRunEnding { .stopped }
}

/// One scheduler tick with `count` queued issues on the board (10 slots already taken).
func benchTick(count: Int) async throws {
    let bench = try BenchDaemon(prompt: "Work.")
    defer { bench.cleanup() }
    let board = try bench.board()
    _ = try await board.createProject(NewProject(name: "bench", key: "B"))
    try await board.store.write { db in
        guard var project = try ProjectRecord.find("B", in: db) else { return }
        for index in 0..<count {
            var issue = IssueRecord(
                projectId: project.id ?? 0, identifier: "B-\(try project.allocateNumber(db))", title: "issue \(index)", description: nil,
                priority: index % 5 == 0 ? nil : index % 5, trackerState: "todo", labels: [], at: Date())
            try issue.insert(db)
        }
    }
    let source = try WorkflowSource(path: bench.directory.appendingPathComponent("WORKFLOW.md").path)
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let daemonBoard = Orchestrator.daemonBoard(store: board.store, source: source)
    let kanban = KanbanProvider(board: daemonBoard, columns: KanbanColumns(workflow: await source.current))
    let orchestrator = Orchestrator(board: daemonBoard, providers: Providers([kanban]), runner: IdleAgent(), source: source, logger: logger)
    try await orchestrator.tick()  // takes the 10 slots
    let clock = ContinuousClock()
    var samples: [Duration] = []
    for _ in 0..<20 { samples.append(try await clock.measure { try await orchestrator.tick() }) }
    print(
        "one tick with \(count) issues queued and 10 claimed: median \(milliseconds(median(samples))), p90 \(milliseconds(percentile(samples, 0.9)))")
}

/// CPU and RSS of a daemon with nothing to do.
func benchIdle(seconds: Int) async throws {
    let bench = try BenchDaemon(prompt: "Work.")
    defer { bench.cleanup() }
    _ = try await bench.board().createProject(NewProject(name: "bench", key: "B"))
    let daemon = try bench.start()
    try await Task.sleep(for: .seconds(2))
    let before = ProcessStat.cpuTicks(daemon)
    try await Task.sleep(for: .seconds(seconds))
    let used = Double(ProcessStat.cpuTicks(daemon) - before) / Double(sysconf(Int32(_SC_CLK_TCK)))
    print(
        String(
            format: "idle daemon over %d s: CPU %.3f s (%.2f %% of a core), RSS %@", seconds, used, used / Double(seconds) * 100,
            ProcessStat.status(daemon, "VmRSS")))
    _ = bench.stop(daemon)
}

/// A process's own figures from /proc.
enum ProcessStat {
    /// User plus system time in clock ticks (fields 14 and 15 of /proc/<pid>/stat).
    static func cpuTicks(_ pid: pid_t) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return 0
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// A line of /proc/<pid>/status, e.g. `VmRSS` gives "37124 kB".
    static func status(_ pid: pid_t, _ key: String) -> String {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix(key + ":") }?.split(separator: " ", omittingEmptySubsequences: true)
            .dropFirst().joined(separator: " ") ?? "?"
    }
}

/// Daemon CPU while `count` agents keep their turns open after moving their issues to review,
/// streaming token usage and message deltas as a real Codex turn does while it writes its summary.
func benchBusyAgents(count: Int, seconds: Int) async throws {
    let beat =
        "@@tokenUsage {\"input\": 400, \"output\": 40}\n@@agentMessage {\"text\": \"summary\", \"deltas\": [\"a\", \"b\", \"c\", \"d\"]}\n@@sleep {\"seconds\": 0.25}"
    let prompt =
        "Implement {{ issue.identifier }}.\n@@toolCall {\"tool\": \"kanban_move\", \"arguments\": {\"state\": \"human_review\"}}\n"
        + Array(repeating: beat, count: seconds * 4 + 8).joined(separator: "\n")
    let review = "Review {{ issue.identifier }}.\n@@toolCall {\"tool\": \"kanban_move\", \"arguments\": {\"state\": \"done\"}}"
    let bench = try BenchDaemon(prompt: prompt, agents: count, review: review)
    defer { bench.cleanup() }
    let board = try bench.board()
    _ = try await board.createProject(NewProject(name: "bench", key: "B"))
    let daemon = try bench.start()
    try await Task.sleep(for: .seconds(1))
    for index in 1...count { _ = try await board.createIssue(in: "B", NewIssue(title: "issue \(index)")) }
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        let moved = try await board.issues(IssueQuery(project: "B", state: "human_review", lifecycle: .running)).items.count
        if moved == count { break }
        try await Task.sleep(for: .milliseconds(20))
    }
    let before = ProcessStat.cpuTicks(daemon)
    try await Task.sleep(for: .seconds(seconds))
    let used = Double(ProcessStat.cpuTicks(daemon) - before) / Double(sysconf(Int32(_SC_CLK_TCK)))
    let running = try await board.issues(IssueQuery(project: "B", lifecycle: .running)).items.count
    print(
        String(
            format: "%d agents streaming for %d s after moving their issues (%d still running at the end): daemon CPU %.3f s (%.2f %% of a core)",
            count, seconds, running, used, used / Double(seconds) * 100))
    _ = bench.stop(daemon)
}
