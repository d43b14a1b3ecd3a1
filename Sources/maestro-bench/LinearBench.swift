import Adapters
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Runtime
import RuntimeTesting
import StateMachine
import WorkflowParser

// Linear benchmarks against the strict fake (Tests/Fixtures/linear/server.py, which needs
// graphql-core): the first sync of a large project, requests per issue over a lifecycle, and
// dispatch latency after a change in Linear (poll and webhook). Run from the repository root.

/// The fake Linear server for a benchmark: started on a free port, seeded with one team and project.
struct BenchLinear {
    static let key = "lin_api_bench"
    static let projectSlug = "bench-project"
    static let secret = "bench-webhook-secret"
    let process: Process
    let port: Int
    var endpoint: String { "http://127.0.0.1:\(port)/graphql" }

    static func start() async throws -> BenchLinear {
        let script = URL(fileURLWithPath: "Tests/Fixtures/linear/server.py").standardizedFileURL
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw BenchError.unexpected("run maestro-bench from the repository root (Tests/Fixtures/linear is needed)")
        }
        let candidates = [".venv/bin/python3"] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        guard let python = candidates.first(where: { spawnQuiet($0, ["-c", "import graphql"]) }) else {
            throw BenchError.unexpected("no python3 with graphql-core (pip install graphql-core==3.2.8)")
        }
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("bench-linear-\(UUID().uuidString)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, "--port-file", portFile.path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1500 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                let fake = BenchLinear(process: process, port: port)
                try await fake.control(
                    "seed",
                    [
                        "api_key": .string(key), "users": [["id": "me", "name": "Me"]],
                        "teams": [
                            [
                                "id": "team", "key": "ENG",
                                "states": [
                                    ["id": "s-backlog", "name": "Backlog", "type": "backlog"], ["id": "s-todo", "name": "Todo", "type": "unstarted"],
                                    ["id": "s-progress", "name": "In Progress", "type": "started"],
                                    ["id": "s-review", "name": "Human Review", "type": "started"],
                                    ["id": "s-done", "name": "Done", "type": "completed"],
                                ],
                            ]
                        ],
                        "projects": [["id": "project", "name": "Bench", "slugId": .string(projectSlug), "teams": ["team"]]],
                    ])
                return fake
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw BenchError.unexpected("the fake Linear did not start")
    }

    func stop() {
        process.terminate()
        usleep(200_000)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    @discardableResult
    func control(_ name: String, _ body: JSONValue = [:]) async throws -> JSONValue {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/_fake/\(name)")
        request.method = name == "requests" || name == "state" ? .GET : .POST
        if request.method == .POST { request.body = .bytes(ByteBuffer(string: body.compactText)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var buffer = try await response.body.collect(upTo: 256 << 20)
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readBytes(length: buffer.readableBytes) ?? []))
    }

    func requests() async throws -> [JSONValue] { try await control("requests")["requests"]?.arrayValue ?? [] }
}

func spawnQuiet(_ executable: String, _ arguments: [String]) -> Bool {
    guard FileManager.default.isExecutableFile(atPath: executable) else { return false }
    return (try? spawnAndWait(executable, arguments)) == 0
}

/// A daemon in-process over the fake: the daemon's board, the Linear provider and its sync service,
/// the orchestrator with a scripted agent.
struct LinearBenchDaemon {
    let directory: URL
    let store: Store
    let source: WorkflowSource
    let provider: LinearProvider
    let service: LinearSyncService
    let orchestrator: Orchestrator
    let api: RuntimeAPI

    init(
        fake: BenchLinear, pollMs: Int, pageSize: Int = 50, webhooks: Bool = false,
        script: @escaping @Sendable (AgentRunRequest) -> [ScriptedAgentRunner.Step]
    )
        async throws
    {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-bench-linear-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("WORKFLOW.md").path
        try """
        ---
        tracker:
          kind: linear
          project_slug: \(BenchLinear.projectSlug)
          endpoint: \(fake.endpoint)
          api_key: $BENCH_LINEAR_KEY
          provider:
            page_size: \(pageSize)
        \(webhooks ? "    webhook_secret: $BENCH_WEBHOOK_SECRET" : "")
        polling:
          interval_ms: \(pollMs)
        workspace:
          root: ./workspaces
        agent:
          max_concurrent_agents: 100
        ---
        Work on {{ issue.identifier }}.
        """.write(toFile: path, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["BENCH_LINEAR_KEY"] = BenchLinear.key
        environment["BENCH_WEBHOOK_SECRET"] = BenchLinear.secret
        source = try WorkflowSource(path: path, environment: environment)
        let source = source
        store = try Store.open(path: directory.appendingPathComponent("maestro.sqlite").path)
        let board = Orchestrator.daemonBoard(store: store, source: source)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        provider = LinearProvider(board: board, environment: environment, workflow: { await source.current }, logger: logger)
        let providers = Providers([provider])
        let movesAPI = RuntimeAPI(board: board, providers: providers)
        let runner = ScriptedAgentRunner(script: script) { identifier, state in _ = try await movesAPI.moveIssue(identifier, to: state) }
        let syncBoard = TrackerSyncBoard()
        orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source, environment: ["PATH": "/usr/bin:/bin"], logger: logger,
            syncBoard: syncBoard)
        service = LinearSyncService(provider: provider, syncBoard: syncBoard, workflow: { await source.current }, logger: logger)
        api = RuntimeAPI(board: board, providers: providers, live: orchestrator)
        _ = try await provider.ensureProject(for: await source.current)
    }

    /// Runs the daemon's loops and the sync service around `body`.
    func running<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let orchestrator = orchestrator
        let service = service
        _ = try await orchestrator.recover()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await orchestrator.runJobs()
                return nil
            }
            group.addTask {
                try await orchestrator.runEffects()
                return nil
            }
            group.addTask {
                try await orchestrator.runScheduler()
                return nil
            }
            group.addTask {
                try await service.run()
                return nil
            }
            let result = try await body()
            await orchestrator.shutDown(timeout: .seconds(10))
            group.cancelAll()
            while !group.isEmpty { _ = try? await group.next() }
            return result
        }
    }

    /// Waits on the store until `identifier` reaches one of `states` (nil when it never does within 60 s).
    func until(_ identifier: String, is states: LifecycleState...) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let generation = store.changes.generation
            if let state = try? await api.issue(identifier).lifecycle.state, states.contains(state) { return .now }
            let store = store
            _ = try await withTimeout(.milliseconds(5)) { await store.changes.wait(after: generation) }
        }
        return nil
    }

    func cleanup() { try? FileManager.default.removeItem(at: directory) }
}

/// First sync of `count` issues in pages of `pageSize`: wall time and requests.
func benchLinearSync(count: Int, pageSize: Int) async throws {
    let fake = try await BenchLinear.start()
    defer { fake.stop() }
    try await fake.control("seed", ["generate": ["count": .int(count), "team": "team", "project": "project", "state": "Todo"]])
    let daemon = try await LinearBenchDaemon(fake: fake, pollMs: 60_000, pageSize: pageSize) { _ in [] }
    defer { daemon.cleanup() }
    let project = try await daemon.api.project(try await daemon.api.projects()[0].key)
    let states = linearFollowedStates(await daemon.source.current)
    let before = try await fake.requests().count
    let clock = ContinuousClock()
    var report: LinearSyncReport?
    let cpuBefore = processCPUSeconds()
    let first = try await clock.measure { report = try await daemon.provider.sync(project, states: states) }
    let cpu = processCPUSeconds() - cpuBefore
    let requests = try await fake.requests().count - before
    let second = try await clock.measure { _ = try await daemon.provider.sync(project, states: states) }
    print(
        "first sync of \(count) issues in pages of \(pageSize): \(milliseconds(first)), \(requests) requests (\(report?.pages ?? 0) pages), maestro CPU \(String(format: "%.0f ms", cpu * 1000))"
    )
    print(
        "  \(String(format: "%.0f", Double(count) / (Double(first.components.seconds) + Double(first.components.attoseconds) / 1e18))) issues/s; a second pass with nothing new: \(milliseconds(second))"
    )
}

/// Requests per issue over a whole lifecycle: synced, dispatched, claimed, handed to review by the
/// agent, approved in Linear (moved to Done), closed.
func benchLinearRequests(count: Int) async throws {
    let fake = try await BenchLinear.start()
    defer { fake.stop() }
    try await fake.control("seed", ["generate": ["count": .int(count), "team": "team", "project": "project", "state": "Todo"]])
    let daemon = try await LinearBenchDaemon(fake: fake, pollMs: 1000) { _ in [.move(to: "Human Review"), .endTurn] }
    defer { daemon.cleanup() }
    let identifiers = (1...count).map { "ENG-\($0)" }
    let before = try await fake.requests().count
    let started = ContinuousClock.now
    try await daemon.running {
        for identifier in identifiers { _ = try await daemon.until(identifier, is: .review) }
        for identifier in identifiers { try await fake.control("change", ["issue": .string(identifier), "state": "Done"]) }
        for identifier in identifiers { _ = try await daemon.until(identifier, is: .closed) }
    }
    let elapsed = ContinuousClock.now - started
    let requests = try await fake.requests().dropFirst(before)
    func tally(_ test: (JSONValue) -> Bool) -> Int { requests.filter(test).count }
    let polls = tally { $0["variables"]?["filter"]?["state"] != nil }
    let byId = tally { $0["variables"]?["filter"]?["id"] != nil }
    let writes = tally { ($0["query"]?.stringValue ?? "").hasPrefix("mutation") }
    let other = requests.count - polls - byId - writes
    let perIssue = Double(byId + writes) / Double(count)
    print(
        "\(count) issues through a lifecycle in \(milliseconds(elapsed)) with a 1 s poll: \(requests.count) requests = \(polls) polls + \(byId) by-id reads + \(writes) writes + \(other) other"
    )
    print(
        String(
            format: "  per issue: %.2f by-id reads + %.2f writes = %.2f targeted requests (polls: %.2f per issue over the run)",
            Double(byId) / Double(count),
            Double(writes) / Double(count), perIssue, Double(polls) / Double(count)))
}

/// Latency from a change in Linear (Backlog → Todo) to the committed dispatch: with a 1 s poll, and
/// with a webhook delivery handed to the Runtime API in-process.
func benchLinearDispatch(runs: Int, webhook: Bool) async throws {
    let fake = try await BenchLinear.start()
    defer { fake.stop() }
    let daemon = try await LinearBenchDaemon(fake: fake, pollMs: webhook ? 60_000 : 1000, webhooks: webhook) { _ in [.wait(.seconds(120))] }
    defer { daemon.cleanup() }
    let samples = try await daemon.running { () -> [Duration] in
        var samples: [Duration] = []
        for run in 1...runs {
            try await fake.control(
                "seed", ["issues": [["team": "team", "project": "project", "title": .string("issue \(run)"), "state": "Backlog"]]])
            let identifier = "ENG-\(run)"
            // A random moment within the poll cycle.
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...1000)))
            var delivery: JSONValue?
            if webhook { delivery = try await fake.control("webhook", ["issue": .string(identifier), "secret": .string(BenchLinear.secret)]) }
            let changed = ContinuousClock.now
            try await fake.control("change", ["issue": .string(identifier), "state": "Todo"])
            if let delivery {
                let headers = (delivery["headers"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
                _ = try await daemon.api.receiveWebhook(
                    provider: "linear", headers: headers, body: Array((delivery["body"]?.stringValue ?? "").utf8))
            }
            guard let dispatched = try await daemon.until(identifier, is: .workspace, .running) else {
                throw BenchError.unexpected("\(identifier) was not dispatched")
            }
            samples.append(dispatched - changed)
        }
        return samples
    }
    print(
        "dispatch after a Linear change (\(webhook ? "webhook, in-process" : "1 s poll")): p50 \(milliseconds(median(samples))), p90 \(milliseconds(percentile(samples, 0.9))), max \(milliseconds(samples.max() ?? .zero)) over \(runs) runs"
    )
}

/// User plus system CPU time of this process so far, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
