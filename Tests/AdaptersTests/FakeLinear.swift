import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Runtime
import Testing

/// The strict fake Linear server (`Tests/Fixtures/linear/server.py`) as the tests drive it: one
/// process per test on a free loopback port, its control API for seeding, changes a person makes,
/// faults and signed webhook deliveries, and its journal of the requests maestro sent.
final class FakeLinear: Sendable {
    static let directory = CodexFixtures.packageRoot.appendingPathComponent("Tests/Fixtures/linear")
    static let apiKey = "lin_api_fake_test_key"
    /// The seeded ids tests refer to.
    static let teamId = "team-eng"
    static let projectId = "5d3c1a2b-0000-4000-8000-000000000001"
    static let projectSlug = "maestro-demo-5d3c1a2b"
    static let viewerId = "user-me"
    static let otherUserId = "user-other"
    static let webhookSecret = "whsec_fake_signing_secret"

    let process: Process
    let port: Int
    var endpoint: String { "http://127.0.0.1:\(port)/graphql" }

    /// A Python with graphql-core: the venv's (CI installs it there), else the first on PATH. Probed
    /// once per test process, without blocking a thread.
    static func python() async -> String? { await PythonProbe.shared.python() }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts a fake and seeds the standard fixture (unless `seed` is false).
    static func start(seed: Bool = true) async throws -> FakeLinear {
        let python = try #require(await python(), "the fake Linear needs graphql-core: run scripts/setup.sh (graphql-core==3.2.8 into .venv)")
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("fake-linear-\(UUID().uuidString).port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [directory.appendingPathComponent("server.py").path, "--port", "0", "--port-file", portFile.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                try? FileManager.default.removeItem(at: portFile)
                let fake = FakeLinear(process: process, port: port)
                if seed { try await fake.seedStandard() }
                return fake
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw FakeError("the fake Linear did not start")
    }

    /// Stops the server: SIGKILL (it holds nothing worth a graceful end), without waiting.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
    }

    /// Runs `body` with a started fake, stopped afterwards whatever happens.
    static func with<T>(seed: Bool = true, _ body: (FakeLinear) async throws -> T) async throws -> T {
        let fake = try await start(seed: seed)
        defer { fake.stop() }
        return try await body(fake)
    }

    struct FakeError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - Control API

    @discardableResult
    func control(_ name: String, _ body: JSONValue = [:]) async throws -> JSONValue {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/_fake/\(name)")
        request.method = name == "state" || name == "requests" ? .GET : .POST
        if request.method == .POST { request.body = .bytes(ByteBuffer(string: body.compactText)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 64 << 20)
        let data = Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        guard response.status.code == 200 else { throw FakeError("control \(name): HTTP \(response.status.code) \(value.compactText)") }
        return value
    }

    /// The standard fixture: the key's user and another, team ENG (Linear's default states plus
    /// Human Review), the project maestro mirrors, and a second project.
    func seedStandard() async throws {
        try await control(
            "seed",
            [
                "api_key": .string(Self.apiKey), "viewer": .string(Self.viewerId),
                "users": [["id": .string(Self.viewerId), "name": "Me"], ["id": .string(Self.otherUserId), "name": "Other"]],
                "teams": [
                    [
                        "id": .string(Self.teamId), "key": "ENG", "name": "Engineering",
                        "states": [
                            ["id": "st-backlog", "name": "Backlog", "type": "backlog"],
                            ["id": "st-todo", "name": "Todo", "type": "unstarted"],
                            ["id": "st-progress", "name": "In Progress", "type": "started"],
                            ["id": "st-review", "name": "Human Review", "type": "started"],
                            ["id": "st-done", "name": "Done", "type": "completed"],
                            ["id": "st-canceled", "name": "Canceled", "type": "canceled"],
                            ["id": "st-duplicate", "name": "Duplicate", "type": "duplicate"],
                        ],
                    ],
                    ["id": "team-ops", "key": "OPS", "name": "Operations"],
                ],
                "projects": [
                    ["id": .string(Self.projectId), "name": "Maestro Demo", "slugId": .string(Self.projectSlug), "teams": [.string(Self.teamId)]],
                    ["id": "project-other", "name": "Elsewhere", "slugId": "elsewhere-1", "teams": ["team-ops"]],
                ],
            ])
    }

    /// Adds issues (`team` ENG and the demo project unless given); returns their identifiers.
    @discardableResult
    func seed(issues: [JSONValue], relations: [JSONValue] = []) async throws -> [String] {
        let filled = issues.map { issue -> JSONValue in
            var object = issue.objectValue ?? [:]
            if object["team"] == nil { object["team"] = .string(Self.teamId) }
            if object["project"] == nil { object["project"] = .string(Self.projectId) }
            if object["project"] == .null { object["project"] = nil }
            return .object(object)
        }
        let created = try await control("seed", ["issues": .array(filled), "relations": .array(relations)])
        return (created["issues"]?.arrayValue ?? []).compactMap { $0["identifier"]?.stringValue }
    }

    /// Generates `count` issues in the demo project.
    func generate(_ count: Int, state: String = "Todo") async throws {
        try await control(
            "seed", ["generate": ["count": .int(count), "team": .string(Self.teamId), "project": .string(Self.projectId), "state": .string(state)]])
    }

    /// What a person does in Linear: `fields` of `/_fake/change` (state, title, assignee, ...).
    func change(_ issue: String, _ fields: [String: JSONValue]) async throws {
        var body = fields
        body["issue"] = .string(issue)
        try await control("change", .object(body))
    }

    func fault(_ action: String, operation: String? = nil, times: Int = 1, _ extra: [String: JSONValue] = [:]) async throws {
        var rule = extra
        rule["action"] = .string(action)
        rule["times"] = .int(times)
        rule["match"] = operation.map { ["operationName": .string($0)] } ?? ["any": true]
        try await control("faults", ["rules": [.object(rule)]])
    }

    /// The journal: one entry per GraphQL request.
    func requests() async throws -> [JSONValue] { try await control("requests")["requests"]?.arrayValue ?? [] }

    func operations() async throws -> [String] { try await requests().compactMap { $0["operationName"]?.stringValue } }

    /// The store's issues by identifier (state names, assignee, labels) plus comments and mutations.
    func state() async throws -> JSONValue { try await control("state") }

    func issue(_ identifier: String) async throws -> JSONValue? {
        try await state()["issues"]?.arrayValue?.first { $0["identifier"]?.stringValue == identifier }
    }

    func stateName(of identifier: String) async throws -> String? { try await issue(identifier)?["state"]?.stringValue }

    /// A signed delivery about `issue`, as Linear would POST it.
    func webhook(_ issue: String, secret: String = FakeLinear.webhookSecret, offsetMs: Int = 0, badSignature: Bool = false) async throws
        -> (headers: [String: String], body: [UInt8])
    {
        let delivery = try await control(
            "webhook",
            [
                "issue": .string(issue), "secret": .string(secret), "timestamp_offset_ms": .int(offsetMs),
                "bad_signature": .bool(badSignature),
            ])
        let headers = (delivery["headers"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        return (headers, Array((delivery["body"]?.stringValue ?? "").utf8))
    }

    /// Validation errors of a document against the fake's schema (empty: valid).
    func validate(_ query: String) async throws -> [String] {
        (try await control("validate", ["query": .string(query)])["errors"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// Finds the Python that has graphql-core, once.
actor PythonProbe {
    static let shared = PythonProbe()
    private var probed = false
    private var found: String?

    func python() async -> String? {
        if probed { return found }
        var candidates = [CodexFixtures.packageRoot.appendingPathComponent(".venv/bin/python3").path]
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/python3")
        }
        candidates.append("/usr/bin/python3")
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if (try? await Helper.run(candidate, ["-c", "import graphql"]))?.succeeded == true {
                found = candidate
                break
            }
        }
        probed = true
        return found
    }
}
