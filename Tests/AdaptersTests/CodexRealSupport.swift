import Adapters
import Foundation
import Runtime
import Subprocess
import Testing
import WorkflowParser

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The real `codex` binary from the `openai-codex-cli-bin==0.163.0` wheel in `.venv`, or
/// `MAESTRO_CODEX_BIN`. Absent binary: the tests skip with a reason, except under `CI=true`,
/// where they run and fail.
enum RealCodex {
    static let binary: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["MAESTRO_CODEX_BIN"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let lib = CodexFixtures.packageRoot.appendingPathComponent(".venv/lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path))?.filter { $0.hasPrefix("python") }.sorted() ?? []
        return versions.map { lib.appendingPathComponent("\($0)/site-packages/codex_cli_bin/bin/codex").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Run when the binary is there; under CI always (so a missing binary fails).
    static let shouldRun = binary != nil || isCI

    static let skipReason: Comment =
        "the real Codex binary is not installed: run scripts/setup.sh (openai-codex-cli-bin==0.163.0 into .venv) or set MAESTRO_CODEX_BIN"

    static func requireBinary() throws -> String {
        try #require(binary, "CI=true but the real Codex binary is missing: \(skipReason)")
    }
}

/// Runs a short helper process to completion and returns its output.
enum Helper {
    struct Output {
        var status: TerminationStatus
        var stdout: String
        var stderr: String

        var succeeded: Bool { status.isSuccess }
    }

    /// - Parameter directory: the working directory; the test process's by default.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, in directory: String? = nil)
        async throws -> Output
    {
        var env = Environment.inherit
        if let environment {
            env = .custom(
                Dictionary(uniqueKeysWithValues: environment.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } }))
        }
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), environment: env,
            workingDirectory: directory.map { FilePath($0) }, input: .none, output: .string(limit: 4 << 20), error: .string(limit: 1 << 20))
        return Output(status: result.terminationStatus, stdout: result.standardOutput, stderr: result.standardError)
    }
}

/// The app-server JSON Schema, generated once per test process from the same binary.
actor CodexSchema {
    static let shared = CodexSchema()
    private var directory: URL?

    func generated(by codex: String) async throws -> URL {
        if let directory { return directory }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-codex-schema-\(UUID().uuidString)")
        let home = base.appendingPathComponent("home")
        let output = base.appendingPathComponent("schema")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["CODEX_HOME"] = home.path
        let result = try await Helper.run(
            codex, ["app-server", "generate-json-schema", "--experimental", "--out", output.path], environment: environment)
        try #require(result.succeeded, "schema generation failed: \(result.stderr)")
        if let directory { return directory }
        directory = output
        return output
    }

    /// Validates every client message (or, with `side` `server` or `both`, server message) in
    /// `records` (fake app-server records) or in the raw `client`/`server` captures; any violation
    /// is a test failure.
    static func validate(
        records: [URL] = [], client: URL? = nil, server: URL? = nil, side: String = "client",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let codex = try RealCodex.requireBinary()
        let schema = try await shared.generated(by: codex)
        let python = try #require(CodexFixtures.venvPython, "the schema check needs .venv (jsonschema): run scripts/setup.sh")
        var arguments = [CodexFixtures.directory.appendingPathComponent("validate_client_messages.py").path, "--schema", schema.path]
        for record in records { arguments += ["--record", record.path] }
        if let client { arguments += ["--client", client.path] }
        if let server { arguments += ["--server", server.path] }
        arguments += ["--side", side]
        let result = try await Helper.run(python, arguments)
        #expect(result.succeeded, "schema violations:\n\(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
        let report = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        #expect((report["checked"]?.intValue ?? 0) > 0, "no client message was checked", sourceLocation: sourceLocation)
    }
}

/// The loopback mock of the Responses API (`mock_model_server.py`), alive for `body`.
struct MockModel: Sendable {
    var port: Int
    var log: URL

    /// The bodies of the requests Codex sent to the model, in order.
    func requests() throws -> [JSONValue] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        let decoder = JSONDecoder()
        return try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map {
            try decoder.decode(JSONValue.self, from: Data($0.utf8))["body"] ?? .null
        }
    }

    static func serving<T: Sendable>(_ script: String, scratch: URL, _ body: (MockModel) async throws -> T) async throws -> T {
        let log = scratch.appendingPathComponent("model-requests.jsonl")
        let arguments = [
            CodexFixtures.directory.appendingPathComponent("mock_model_server.py").path, "--script",
            CodexFixtures.directory.appendingPathComponent("model-scripts/\(script).json").path, "--log", log.path, "--lifetime", "120",
        ]
        let result = try await Subprocess.run(
            .path(FilePath(CodexFixtures.python)), arguments: Arguments(arguments), input: .inputWriter, output: .sequence, error: .discarded
        ) { execution in
            var bytes: [UInt8] = []
            for try await buffer in execution.standardOutput {
                buffer.withUnsafeBytes { bytes.append(contentsOf: $0) }
                if bytes.contains(0x0A) { break }
            }
            let first = String(decoding: bytes.prefix { $0 != 0x0A }, as: UTF8.self)
            let port = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(first.utf8))["port"]?.intValue)
            let value = try await body(MockModel(port: port, log: log))
            try await execution.standardInputWriter.finish()  // the mock stops on stdin EOF
            return value
        }
        return result.closureResult
    }
}

/// A run of `CodexRunner` against the real app-server, with what went over the wire.
struct RealRun {
    var outcome: RunOutcome
    var events: [RunnerEvent]
    var clientLines: URL
    var serverLines: URL
    var modelRequests: [JSONValue]

    var kinds: [RunnerEvent.Kind] { events.map(\.kind) }
    func first<T>(_ extract: (RunnerEvent.Kind) -> T?) -> T? { kinds.lazy.compactMap(extract).first }
    func all<T>(_ extract: (RunnerEvent.Kind) -> T?) -> [T] { kinds.compactMap(extract) }

    func clientMessages() throws -> [JSONValue] {
        let decoder = JSONDecoder()
        return try String(contentsOf: clientLines, encoding: .utf8).split(separator: "\n").map {
            try decoder.decode(JSONValue.self, from: Data($0.utf8))
        }
    }
}

/// A `CODEX_HOME` whose `config.toml` sends every model request to `mock`; the environment must
/// also set `MOCK_API_KEY`.
func writeCodexHome(in scratch: URL, mock: MockModel) throws -> URL {
    let home = scratch.appendingPathComponent("codex-home")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    let config = """
        model = "mock-model"
        model_provider = "mock"

        [model_providers.mock]
        name = "mock"
        base_url = "http://127.0.0.1:\(mock.port)/v1"
        wire_api = "responses"
        env_key = "MOCK_API_KEY"
        request_max_retries = 0
        stream_max_retries = 0

        """
    try config.write(to: home.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
    return home
}

/// Runs the real `codex app-server` (its stdin and stdout captured with `tee`) against `mock`, then
/// checks every client message against the binary's own schema.
func runRealCodex(
    workspace: TestWorkspace, mock: MockModel, approvalPolicy: ConfigValue = .string("never"), maxTurns: Int = 3,
    resume: CodexRunRequest.ThreadResume? = nil, capture: String = "wire",
    shouldContinue: @escaping @Sendable (TurnResult) async -> Bool = { _ in false },
    react: @escaping @Sendable (CodexRunner, RunnerEvent) async -> Void = { _, _ in }
) async throws -> RealRun {
    let codex = try RealCodex.requireBinary()
    let home = try writeCodexHome(in: workspace.scratch, mock: mock)
    let client = workspace.scratch.appendingPathComponent("\(capture)-client.jsonl")
    let server = workspace.scratch.appendingPathComponent("\(capture)-server.jsonl")
    let q = CodexFixtures.quoted
    let command = "tee -a \(q(client.path)) | \(q(codex)) app-server | tee -a \(q(server.path))"
    var environment = try workspace.isolatedEnvironment(ProcessInfo.processInfo.environment)
    environment["CODEX_HOME"] = home.path
    environment["MOCK_API_KEY"] = "mock-key"
    var codexConfig = CodexFixtures.codex(command: command, approvalPolicy: approvalPolicy)
    codexConfig.turnTimeoutMs = 30_000
    codexConfig.readTimeoutMs = 15_000
    let request = CodexRunRequest(
        issueIdentifier: "ABC-1", issueTitle: "Fix the bug", workspacePath: workspace.workspace.path, workspaceRoot: workspace.root.path,
        prompt: "Implement ABC-1: fix the bug.", codex: codexConfig, maxTurns: maxTurns, resume: resume, environment: environment)
    let runner = CodexRunner(request: request, tools: TestTools(), options: fastOptions)
    async let outcome = runner.run(shouldContinue: shouldContinue)
    var events: [RunnerEvent] = []
    for await event in runner.events {
        events.append(event)
        await react(runner, event)
    }
    let run = RealRun(outcome: await outcome, events: events, clientLines: client, serverLines: server, modelRequests: try mock.requests())
    try await CodexSchema.validate(client: client, server: server)
    return run
}
