import Adapters
import Foundation
import Runtime
import Subprocess
import Synchronization
import Testing
import WorkflowParser

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Paths and helpers shared by the Codex runner tests.
enum CodexFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("Tests/Fixtures/codex")

    static func scenario(_ name: String) -> String { directory.appendingPathComponent("scenarios/\(name).json").path }

    /// The venv's Python (it has jsonschema); the system one is enough for the stdlib-only fixtures.
    static let python: String = {
        let candidates = [packageRoot.appendingPathComponent(".venv/bin/python3").path, "/usr/bin/python3", "/usr/local/bin/python3"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "python3"
    }()

    static var venvPython: String? {
        let path = packageRoot.appendingPathComponent(".venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The `codex` section of a minimal WORKFLOW.md, loaded by the real loader (its defaults), with
    /// `command` and `approval_policy` replaced. The timeouts are generous (they only matter when a
    /// test fails): the whole suite shares two cores, and a test's tasks can wait seconds for a thread.
    static func codex(command: String, approvalPolicy: ConfigValue = .string("never")) -> WorkflowConfig.Codex {
        var codex = defaultCodex
        codex.command = command
        codex.approvalPolicy = approvalPolicy
        codex.turnTimeoutMs = 30_000
        codex.readTimeoutMs = 15_000
        return codex
    }

    static let defaultCodex: WorkflowConfig.Codex = {
        let text = "---\ntracker:\n  kind: kanban\n---\nWork on {{ issue.identifier }}.\n"
        do {
            return try WorkflowLoader.parse(text, file: "WORKFLOW.md", baseDirectory: "/tmp").config.codex
        } catch {
            fatalError("the minimal workflow must load: \(error)")
        }
    }()

    /// `codex.command` for the fake app-server playing `scenario`, recording to `record`.
    static func fakeCommand(scenario: String, record: URL) -> String {
        let script = directory.appendingPathComponent("fake_app_server.py").path
        return "exec \(quoted(python)) \(quoted(script)) --scenario \(quoted(self.scenario(scenario))) --record \(quoted(record.path))"
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// A temporary workspace root with one issue workspace inside, removed by `remove()`.
struct TestWorkspace {
    let root: URL
    let workspace: URL

    init(identifier: String = "ABC-1") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-codex-\(UUID().uuidString)")
        root = base.appendingPathComponent("workspaces")
        workspace = root.appendingPathComponent(identifier)
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    }

    /// A scratch directory beside the workspaces (records, Codex homes).
    var scratch: URL { root.deletingLastPathComponent() }

    /// `environment` with `HOME` moved to an empty scratch directory: `bash -l` then reads no user
    /// profile, which on a developer machine can be slow (a `pyenv rehash` under a lock) and would
    /// make the tests measure someone's dotfiles.
    func isolatedEnvironment(_ environment: [String: String]) throws -> [String: String] {
        let home = scratch.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        var isolated = environment
        isolated["HOME"] = home.path
        return isolated
    }

    func remove() { try? FileManager.default.removeItem(at: scratch) }
}

/// One line of a fake app-server record: a message in either direction, or an event.
struct RecordEntry {
    var direction: String?
    var message: JSONValue?
    var event: String?
    var fields: JSONValue

    var isClient: Bool { direction == "client->server" }
    var method: String? { message?["method"]?.stringValue }
}

enum Records {
    static func read(_ url: URL) throws -> [RecordEntry] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { line in
            let entry = try decoder.decode(JSONValue.self, from: Data(line.utf8))
            let message = entry["line"]?.stringValue.flatMap { try? decoder.decode(JSONValue.self, from: Data($0.utf8)) }
            return RecordEntry(direction: entry["dir"]?.stringValue, message: message, event: entry["event"]?.stringValue, fields: entry)
        }
    }

    static func clientRequests(_ record: [RecordEntry], _ method: String) -> [JSONValue] {
        record.filter { $0.isClient && $0.method == method && $0.message?["id"] != nil }.compactMap(\.message)
    }

    /// The client's answer to the server request with `method`.
    static func answers(_ record: [RecordEntry], to method: String) -> [JSONValue] {
        let ids = record.filter { !$0.isClient && $0.method == method }.compactMap { $0.message?["id"] }
        return record.filter { $0.isClient && $0.method == nil }.compactMap(\.message).filter { answer in
            ids.contains { $0 == answer["id"] }
        }
    }
}

/// Test tools: `kanban_get_issue` answers from a fixed issue, `slow_tool` never finishes in time.
final class TestTools: AgentToolProvider {
    private let log = Mutex<[(String, JSONValue)]>([])

    var toolSpecs: [AgentToolSpec] {
        [
            AgentToolSpec(
                name: "kanban_get_issue", description: "Read an issue of the kanban board",
                inputSchema: [
                    "type": "object", "properties": ["identifier": ["type": "string"]], "required": ["identifier"],
                    "additionalProperties": false,
                ]),
            AgentToolSpec(name: "slow_tool", description: "Takes its time", inputSchema: ["type": "object", "properties": [:]]),
        ]
    }

    var calls: [(String, JSONValue)] { log.withLock { $0 } }

    func execute(name: String, arguments: JSONValue) async -> AgentToolResult {
        log.withLock { $0.append((name, arguments)) }
        switch name {
        case "kanban_get_issue":
            let identifier = arguments["identifier"]?.stringValue ?? "?"
            return .success(#"{"identifier":"\#(identifier)","title":"Fix the bug","state":"in_progress"}"#)
        case "slow_tool":
            try? await Task.sleep(for: .seconds(30))
            return .success("too late")
        default:
            return .failure("no such tool")
        }
    }
}

/// What a finished run left behind.
struct CodexRun {
    var outcome: RunOutcome
    var events: [RunnerEvent]
    var record: [RecordEntry]
    var workspace: TestWorkspace

    var kinds: [RunnerEvent.Kind] { events.map(\.kind) }

    func first<T>(_ extract: (RunnerEvent.Kind) -> T?) -> T? { kinds.lazy.compactMap(extract).first }
    func all<T>(_ extract: (RunnerEvent.Kind) -> T?) -> [T] { kinds.compactMap(extract) }

    var recordEvents: [String] { record.compactMap(\.event) }
    var clientMessages: [JSONValue] { record.filter(\.isClient).compactMap(\.message) }
}

/// Runs `CodexRunner` against the fake app-server with `scenario`, reacting to events with `react`.
func runFake(
    _ scenario: String, approvalPolicy: ConfigValue = .string("never"), tools: (any AgentToolProvider)? = TestTools(),
    maxTurns: Int = 3, options: CodexRunnerOptions = fastOptions, environment: [String: String]? = nil,
    secretNames: Set<String> = [], configure: (inout CodexRunRequest) -> Void = { _ in },
    shouldContinue: @escaping @Sendable (TurnResult) async -> Bool = { _ in false },
    react: @escaping @Sendable (CodexRunner, RunnerEvent) async -> Void = { _, _ in }
) async throws -> CodexRun {
    let workspace = try TestWorkspace()
    let record = workspace.scratch.appendingPathComponent("record.jsonl")
    let command = CodexFixtures.fakeCommand(scenario: scenario, record: record)
    var request = CodexRunRequest(
        issueIdentifier: "ABC-1", issueTitle: "Fix the bug", workspacePath: workspace.workspace.path, workspaceRoot: workspace.root.path,
        prompt: "Implement ABC-1: fix the bug.", codex: CodexFixtures.codex(command: command, approvalPolicy: approvalPolicy),
        maxTurns: maxTurns, environment: try workspace.isolatedEnvironment(environment ?? ProcessInfo.processInfo.environment),
        secretEnvironmentNames: secretNames)
    configure(&request)
    let runner = CodexRunner(request: request, tools: tools, options: options)
    async let outcome = runner.run(shouldContinue: shouldContinue)
    var events: [RunnerEvent] = []
    for await event in runner.events {
        events.append(event)
        await react(runner, event)
    }
    let finished = await outcome
    let entries = FileManager.default.fileExists(atPath: record.path) ? try Records.read(record) : []
    return CodexRun(outcome: finished, events: events, record: entries, workspace: workspace)
}

/// Grace periods for tests: the fake exits at once on stdin EOF unless a scenario says otherwise, so
/// these only cost time in the tests about stubborn servers; they stay long enough that a busy
/// machine does not turn a clean exit into a SIGTERM.
let fastOptions: CodexRunnerOptions = {
    var options = CodexRunnerOptions()
    options.stdinCloseGrace = .seconds(3)
    options.terminateGrace = .seconds(1)
    return options
}()

/// `true` while a process with this pid exists (and is not a zombie).
func processIsAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
        return false
    }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}

/// The checks every fake-based run must pass (the reference's "assert from every record" list).
func expectProtocolBasics(_ run: CodexRun, tools: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
    let client = run.clientMessages
    let methods = client.compactMap { $0["method"]?.stringValue }
    let expectedStart = ["initialize", "initialized"]
    #expect(Array(methods.prefix(2)) == expectedStart, "handshake order: \(methods)", sourceLocation: sourceLocation)
    if let threadStart = methods.firstIndex(where: { $0 == "thread/start" || $0 == "thread/resume" }),
        let turnStart = methods.firstIndex(of: "turn/start")
    {
        #expect(threadStart < turnStart, sourceLocation: sourceLocation)
    }
    let initialize = client.first { $0["method"] == "initialize" }
    #expect(initialize?["params"]?["clientInfo"]?["name"] == "maestro", sourceLocation: sourceLocation)
    if tools {
        #expect(initialize?["params"]?["capabilities"]?["experimentalApi"] == true, sourceLocation: sourceLocation)
    }
    for message in client {
        #expect(message["jsonrpc"] == nil, "no jsonrpc member: \(message.compactText)", sourceLocation: sourceLocation)
    }
    let ids = client.filter { $0["method"] != nil }.compactMap { $0["id"]?.intValue }
    #expect(ids == ids.sorted() && Set(ids).count == ids.count, "client ids increase: \(ids)", sourceLocation: sourceLocation)
    let workspace = run.workspace.workspace.path
    for request in client where ["thread/start", "turn/start"].contains(request["method"]?.stringValue) {
        #expect(request["params"]?["cwd"]?.stringValue == workspace, sourceLocation: sourceLocation)
    }
    for problem in [
        "no_response", "duplicate_answer", "unsolicited_response", "invalid_answer", "invalid_json", "non_increasing_id", "jsonrpc_field",
    ] {
        #expect(!run.recordEvents.contains(problem), "fake app-server recorded \(problem)", sourceLocation: sourceLocation)
    }
    if let started = run.record.first(where: { $0.event == "started" }), let pid = started.fields["pid"]?.intValue {
        #expect(!processIsAlive(Int32(pid)), "the app-server process is gone", sourceLocation: sourceLocation)
    }
}
