import Adapters
import Foundation
import GRDB
import Logging
import Runtime
import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

/// A daemon in-process against the fake Linear, wired as `maestro run` wires it: the daemon's board,
/// the Linear provider (key in `$LINEAR_TEST_KEY`), its sync service, and, for lifecycle tests, the
/// orchestrator with the fake app-server following each prompt's `@@` directives and the Linear tools.
struct LinearHarness {
    /// The fake app-server records the names of `MAESTRO_TEST_*` variables it sees: the key's must
    /// never be among them.
    static let keyVariable = "MAESTRO_TEST_LINEAR_KEY"

    let fake: FakeLinear
    let temporary: TemporaryStore
    let store: Store
    let source: WorkflowSource
    let board: Board
    let provider: LinearProvider
    let syncBoard: TrackerSyncBoard
    let service: LinearSyncService
    let orchestrator: Orchestrator
    /// The daemon's API with its live side.
    let api: RuntimeAPI
    let environment: [String: String]
    /// The mirrored project's key.
    let project: String

    /// - Parameters:
    ///   - tracker: YAML lines appended to the `tracker:` section (two-space indent).
    ///   - provider: YAML lines appended to `tracker.provider` (four-space indent).
    ///   - frontMatter: more YAML after the tracker section.
    init(
        _ fake: FakeLinear, tracker: String = "", provider providerLines: String = "", frontMatter: String = "",
        prompt: String = "Implement {{ issue.identifier }}.", freshness: Duration = .zero, environment extra: [String: String] = [:],
        timeoutMs: Int = 5000
    ) async throws {
        self.fake = fake
        temporary = try TemporaryStore()
        let command = CodexFixtures.fakeCommand(scenario: "follow-prompt", record: temporary.directory.appendingPathComponent("agent.jsonl"))
        let path = try temporary.write(
            """
            ---
            tracker:
              kind: linear
              project_slug: \(FakeLinear.projectSlug)
              endpoint: \(fake.endpoint)
              api_key: $\(Self.keyVariable)
              provider:
                timeout_ms: \(timeoutMs)
            \(providerLines)
            \(tracker)
            workspace:
              root: ./workspaces
            codex:
              command: "\(command.replacingOccurrences(of: "\"", with: "\\\""))"
              read_timeout_ms: 15000
            \(frontMatter)
            ---
            \(prompt)
            """)
        var environment = ProcessInfo.processInfo.environment
        environment[Self.keyVariable] = FakeLinear.apiKey
        environment["HOME"] = temporary.directory.path
        environment.merge(extra) { _, new in new }
        self.environment = environment
        store = try temporary.open()
        source = try WorkflowSource(path: path, environment: environment)
        let source = source
        board = Orchestrator.daemonBoard(store: store, source: source)
        var logger = Logger(label: "test.linear")
        logger.logLevel = .critical
        provider = LinearProvider(
            board: board, transport: LinearTransport(longestWait: .seconds(2), retries: 2, logger: logger), environment: environment,
            workflow: { await source.current }, freshness: freshness, logger: logger)
        let provider = provider
        syncBoard = TrackerSyncBoard()
        service = LinearSyncService(provider: provider, syncBoard: syncBoard, workflow: { await source.current }, logger: logger)
        let providers = Providers([KanbanProvider(board: board) { KanbanColumns(workflow: await source.current) }, provider])
        let toolsAPI = RuntimeAPI(board: board, providers: providers)
        let runner = CodexAgentRunner(
            tools: { request in LinearTools(api: toolsAPI, provider: provider, identifier: request.identifier) }, environment: environment)
        orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source, environment: environment, logger: logger, syncBoard: syncBoard)
        api = RuntimeAPI(board: board, providers: providers, live: orchestrator)
        project = try #require(try await provider.ensureProject(for: await source.current)).key
    }

    func cleanup() { temporary.cleanup() }

    /// The `MAESTRO_TEST_*` variable names each agent process saw, from the fake app-server's record.
    func agentEnvironments() -> [[String]] {
        let text = (try? String(contentsOf: temporary.directory.appendingPathComponent("agent.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let entry = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), entry["event"]?.stringValue == "started" else {
                return nil
            }
            return (entry["testEnvironment"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
    }

    var workflow: Workflow { get async { await source.current } }

    /// One sync pass over the mirrored project, with the workflow's followed states.
    @discardableResult
    func sync() async throws -> LinearSyncReport {
        let view = try await api.project(project)
        return try await provider.sync(view, states: linearFollowedStates(await workflow))
    }

    func issue(_ identifier: String) async throws -> IssueView { try await api.issue(identifier) }

    func history(_ identifier: String) async throws -> [String] {
        try await api.transitions(issue: identifier).map { "\($0.event.rawValue) \($0.from.rawValue)->\($0.to.rawValue)" }
    }

    /// Runs the daemon's loops and the sync service around `body`, then shuts down.
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

    /// Polls until `condition` holds (an error counts as "not yet": the issue may not be mirrored
    /// yet); fails after `limit`.
    func eventually(
        _ what: String, upTo limit: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
        throw OrchestratorHarness.HarnessTimeout()
    }
}

/// Runs `body` with a fake Linear (standard fixture) and a harness over it, both cleaned up after.
func withLinear(
    tracker: String = "", provider: String = "", frontMatter: String = "", prompt: String = "Implement {{ issue.identifier }}.",
    freshness: Duration = .zero, environment: [String: String] = [:], timeoutMs: Int = 5000,
    _ body: (LinearHarness) async throws -> Void
) async throws {
    try await FakeLinear.with { fake in
        let harness = try await LinearHarness(
            fake, tracker: tracker, provider: provider, frontMatter: frontMatter, prompt: prompt, freshness: freshness,
            environment: environment, timeoutMs: timeoutMs)
        defer { harness.cleanup() }
        try await body(harness)
    }
}

/// An issue for `FakeLinear.seed(issues:)`.
func linearIssue(
    _ title: String, state: String = "Todo", priority: Int = 0, labels: [String] = [], assignee: String? = nil,
    description: String? = nil, project: String? = nil, createdAt: String? = nil
) -> JSONValue {
    var object: [String: JSONValue] = ["title": .string(title), "state": .string(state), "priority": .int(priority)]
    object["labels"] = .array(labels.map(JSONValue.string))
    if let assignee { object["assignee"] = .string(assignee) }
    if let description { object["description"] = .string(description) }
    if let project { object["project"] = .string(project) }
    if let createdAt { object["createdAt"] = .string(createdAt) }
    return .object(object)
}
