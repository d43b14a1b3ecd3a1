import Foundation
import Runtime
import RuntimeTesting
import Testing
import Transports

/// `maestro mcp` and `maestro run` as processes: a real MCP client (the Python `mcp` package)
/// through the bridge, and the endpoint's isolation from other OS users.
@Suite(.serialized) struct MCPProcessTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let maestro: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("maestro")
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : packageRoot.appendingPathComponent(".build/debug/maestro")
    }()

    static let venvPython = packageRoot.appendingPathComponent(".venv/bin/python3").path

    /// The work directory: a WORKFLOW.md whose agent is the fake app-server following its prompts
    /// through implementation, review and done.
    static func workDirectory() throws -> URL {
        let directory = URL(fileURLWithPath: "/tmp/mcp-proc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("home"), withIntermediateDirectories: true)
        let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/codex")
        let command =
            "exec \(quoted(venvPython)) \(quoted(fixtures.appendingPathComponent("fake_app_server.py").path))"
            + " --scenario \(quoted(fixtures.appendingPathComponent("scenarios/follow-prompt.json").path)) --record /dev/null"
        try """
        ---
        tracker:
          kind: kanban
        workspace:
          root: ./workspaces
        codex:
          command: "\(command.replacingOccurrences(of: "\"", with: "\\\""))"
        phases:
          review:
            prompt: |
              Review {{ issue.identifier }}.
              @@toolCall {"tool": "kanban_move", "arguments": {"state": "done"}}
          done:
            enabled: true
            prompt: |
              Finish {{ issue.identifier }}.
        ---
        Implement {{ issue.identifier }}.
        @@toolCall {"tool": "kanban_move", "arguments": {"state": "human_review"}}
        """.write(to: directory.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)
        return directory
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs `executable` to its end (killed after `limit`): status, standard output and error.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], input: URL? = nil, limit: Duration
    ) async throws -> (status: Int32, output: String, error: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out")
        let err = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = try input.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning {
            process.terminate()
            Issue.record("\(executable) \(arguments) still ran after \(limit); terminated")
        }
        process.waitUntilExit()
        return (
            process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "", (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }

    @Test func aRealMCPClientThroughTheBridgeAcrossDaemonRestarts() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.venvPython), "scripts/setup.sh makes .venv with the test tools")
        let probe = try await Self.run(Self.venvPython, ["-c", "import mcp"], environment: ProcessInfo.processInfo.environment, limit: .seconds(60))
        try #require(probe.status == 0, "the Python mcp package is missing: .venv/bin/pip install -r scripts/test-requirements.txt")
        let directory = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.appendingPathComponent("home").path
        environment["MAESTRO_RUNTIME_DIR"] = directory.appendingPathComponent("rt").path
        environment["PYTHONUNBUFFERED"] = "1"
        let script = Self.packageRoot.appendingPathComponent("Tests/Fixtures/mcp/mcp_interop.py").path
        let database = directory.appendingPathComponent("maestro.sqlite").path
        let result = try await Self.run(
            Self.venvPython, [script, "--maestro", Self.maestro.path, "--workdir", directory.path, "--db", database],
            environment: environment, limit: .seconds(300))
        #expect(result.status == 0, "the interop script failed:\n\(result.output)\n\(result.error.suffix(4000))")
        #expect(result.output.hasSuffix("OK\n"), "\(result.output)")
        #expect(!result.output.contains("FAIL"), "\(result.output)")
    }

    /// Standard input and output may be regular files (NIO cannot poll those): every request in the
    /// file is answered, then the bridge exits 0.
    @Test func theBridgeReadsAndWritesRegularFiles() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let requests = harness.temporary.directory.appendingPathComponent("requests.jsonl")
        try [
            #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"file","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_projects","arguments":{}}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"ping"}"#,
        ].joined(separator: "\n").write(to: requests, atomically: true, encoding: .utf8)
        let environment = harness.environment.merging(["PATH": "/usr/bin:/bin"]) { first, _ in first }
        let database = harness.store.path
        let result = try await harness.serving { _ in
            // Generous: the daemon answering is this test process, which a busy suite can stall.
            try await Self.run(Self.maestro.path, ["mcp", "--db", database], environment: environment, input: requests, limit: .seconds(300))
        }
        #expect(result.status == 0 && result.error.isEmpty, "\(result.error)")
        let ids = result.output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int
        }
        #expect(ids.sorted() == [0, 1, 2], "every request answered, the last without a final newline too: \(result.output)")
        #expect(result.output.contains(#"\"key\":\"KAN\""#))
    }

    /// The socket admits only its own user: another user fails at the private directory, and at
    /// the socket's own mode when the directories are opened up.
    @Test(.enabled(if: getuid() == 0, "creating a throwaway user needs root; run as root (as CI does) to check isolation"))
    func anotherOSUserCannotConnect() async throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let python3 = try #require(python, "a system python3 that any user can run")
        let user = "mcpiso\(UInt32.random(in: 1000...99999))"
        let created = try await Self.run(
            "/usr/sbin/useradd", ["--no-create-home", "--shell", "/bin/sh", user], environment: [:], limit: .seconds(30))
        try #require(created.status == 0, "useradd: \(created.error)")
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/sbin/userdel"), arguments: [user]).waitUntilExit() }
        let ids = try await Self.run("/usr/bin/id", ["-u", user], environment: [:], limit: .seconds(10))
        let uid = ids.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let endpoint = harness.endpoint
        let connect = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(sys.argv[1])
                print("connected")
            except OSError as error:
                print(type(error).__name__)
            """
        try await harness.serving { entry in
            let asOwner = try await Self.run(python3, ["-c", connect, entry.socket], environment: [:], limit: .seconds(30))
            #expect(asOwner.output == "connected\n", "the owner connects: \(asOwner.output)\(asOwner.error)")
            let asOther = try await Self.run(
                "/usr/bin/setpriv", ["--reuid", uid, "--regid", uid, "--clear-groups", python3, "-c", connect, entry.socket], environment: [:],
                limit: .seconds(30))
            #expect(asOther.output == "PermissionError\n", "another user is refused: \(asOther.output)\(asOther.error)")

            // The second fence: with both directories traversable, the socket's 0600 still refuses.
            chmod(endpoint.base, 0o711)
            chmod(endpoint.directory, 0o711)
            defer {
                chmod(endpoint.base, 0o700)
                chmod(endpoint.directory, 0o700)
            }
            let throughOpenDirectories = try await Self.run(
                "/usr/bin/setpriv", ["--reuid", uid, "--regid", uid, "--clear-groups", python3, "-c", connect, entry.socket], environment: [:],
                limit: .seconds(30))
            #expect(throughOpenDirectories.output == "PermissionError\n", "\(throughOpenDirectories.output)\(throughOpenDirectories.error)")
        }
    }
}
