import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `maestro doctor` with each problem present: the check that finds it, its fix, and the exit code.
@Suite struct DoctorCommandTests {
    /// A kanban workflow in the sandbox; `codex` is the codex.command.
    func workflow(_ sandbox: BoardSandbox, codex: String = "bash -c 'exit 0'", codexExtra: String = "", extra: String = "", port: Int = 0) throws {
        try sandbox.write(
            "WORKFLOW.md",
            """
            ---
            tracker:
              kind: kanban
            workspace:
              root: ./workspaces
            codex:
              command: "\(codex)"
              read_timeout_ms: 60000
            \(codexExtra)
            server:
              port: \(port)
            \(extra)
            ---
            Do {{ issue.identifier }}.
            """)
    }

    /// `maestro doctor --json`: the exit status and each check by name.
    func doctor(_ sandbox: BoardSandbox, _ extra: [String] = [], environment: [String: String] = [:]) async throws
        -> (status: Int32, checks: [String: [String: Any]], ok: Bool)
    {
        let result = try await sandbox.run(["doctor", "--json"] + extra, environment: environment)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        var checks: [String: [String: Any]] = [:]
        for check in report["checks"] as? [[String: Any]] ?? [] {
            let name = check["name"] as? String ?? "?"
            // The first finding per name: the one that decides.
            if checks[name] == nil || check["status"] as? String == "problem" { checks[name] = check }
            #expect(check.keys.sorted() == ["fix", "name", "status", "summary"], "one shape for every check: \(check)")
        }
        return (result.status, checks, report["ok"] as? Bool ?? false)
    }

    func status(_ check: [String: Any]?) -> String? { check?["status"] as? String }
    func text(_ check: [String: Any]?) -> String { "\(check?["summary"] ?? "") \(check?["fix"] ?? "")" }

    /// A `codex` that says it is `version`, and otherwise runs the real Codex 0.163.0 from `.venv`
    /// (with its own `CODEX_HOME`), so the policy check talks to a real app-server.
    func fakeCodex(_ sandbox: BoardSandbox, version: String) throws -> String {
        let real = try #require(Self.realCodex, "the real Codex binary is not installed: run scripts/setup.sh")
        let home = sandbox.path("codex-home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let path = try sandbox.write(
            "codex",
            """
            #!/bin/sh
            if [ "$1" = "--version" ]; then echo 'codex-cli \(version)'; exit 0; fi
            CODEX_HOME='\(home)' exec '\(real)' "$@"

            """)
        chmod(path, 0o755)
        return path
    }

    /// `openai-codex-cli-bin`'s binary in `.venv`.
    static let realCodex: String? = {
        let lib = CLI.packageRoot.appendingPathComponent(".venv/lib")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: lib.path))?.filter { $0.hasPrefix("python") } ?? []
        return versions.map { lib.appendingPathComponent("\($0)/site-packages/codex_cli_bin/bin/codex").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test func aHealthyRepositoryIsReadyToRun() async throws {
        let sandbox = try BoardSandbox()
        try workflow(sandbox, codex: try fakeCodex(sandbox, version: "0.163.0") + " app-server")
        let report = try await doctor(sandbox)
        #expect(report.status == 0 && report.ok)
        #expect(["workflow", "database", "daemon", "codex", "workspaces", "shell", "port"].allSatisfy { status(report.checks[$0]) == "ok" }, "\(report.checks)")
        #expect(text(report.checks["codex"]).contains("is Codex 0.163.0"))
        #expect(status(report.checks["codex policy"]) == "ok", "\(report.checks)")
        #expect(text(report.checks["codex policy"]).contains("accepts approval_policy never and thread_sandbox workspace-write"))
        let plain = try await sandbox.run(["doctor"])
        #expect(plain.status == 0)
        #expect(plain.stdout.hasSuffix("ready to run\n"), "\(plain.stdout)")
    }

    @Test func aMissingOrInvalidWorkflowIsAProblemWithItsFix() async throws {
        let sandbox = try BoardSandbox()
        let missing = try await doctor(sandbox)
        #expect(missing.status == 1 && !missing.ok)
        #expect(status(missing.checks["workflow"]) == "problem")
        #expect(text(missing.checks["workflow"]).contains("maestro init"))
        try workflow(sandbox, extra: "agent:\n  max_turns: zero")
        let invalid = try await doctor(sandbox)
        #expect(invalid.status == 1)
        #expect(text(invalid.checks["workflow"]).contains("WORKFLOW.md:"), "a position: \(text(invalid.checks["workflow"]))")
        #expect(text(invalid.checks["workflow"]).contains("maestro validate"))
    }

    @Test func aFileThatIsNotADatabaseIsAProblemAndStaysUntouched() async throws {
        let sandbox = try BoardSandbox()
        try workflow(sandbox, codex: try fakeCodex(sandbox, version: "0.163.0") + " app-server")
        try sandbox.write("m.sqlite", "these are my notes\n")
        let report = try await doctor(sandbox)
        #expect(report.status == 1)
        #expect(status(report.checks["database"]) == "problem")
        #expect(text(report.checks["database"]).contains("not_a_database"))
        #expect(try String(contentsOfFile: sandbox.database, encoding: .utf8) == "these are my notes\n")
    }

    @Test func aMissingCodexIsAProblemAndAnotherVersionAWarning() async throws {
        let sandbox = try BoardSandbox()
        try workflow(sandbox, codex: "no-such-codex-here app-server")
        let missing = try await doctor(sandbox)
        #expect(missing.status == 1)
        #expect(status(missing.checks["codex"]) == "problem")
        #expect(text(missing.checks["codex"]).contains("openai-codex-cli-bin==0.163.0"))
        #expect(text(missing.checks["codex"]).contains("maestro demo"))
        try workflow(sandbox, codex: try fakeCodex(sandbox, version: "0.150.0") + " app-server")
        let older = try await doctor(sandbox)
        #expect(older.status == 0, "a warning does not block a run")
        #expect(status(older.checks["codex"]) == "warning")
        #expect(text(older.checks["codex"]).contains("is Codex 0.150.0; maestro is tested with 0.163.0"))
    }

    /// A login profile that never finishes (here it waits on a FIFO nobody writes; in the wild a
    /// stale lock file) used to be reported as a missing Codex, whose fix is to install it.
    @Test func aLoginShellThatHangsIsNotReportedAsAMissingCodex() async throws {
        let sandbox = try BoardSandbox()
        try workflow(sandbox, codex: try fakeCodex(sandbox, version: "0.163.0") + " app-server")
        let home = sandbox.directory.appendingPathComponent("hanging-home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        #expect(mkfifo(home.appendingPathComponent("never").path, 0o600) == 0)
        try "read -r _ < \"$HOME/never\"\n".write(to: home.appendingPathComponent(".bash_profile"), atomically: true, encoding: .utf8)
        let report = try await doctor(sandbox, environment: ["HOME": home.path])
        #expect(report.status == 1)
        #expect(status(report.checks["codex"]) == "problem")
        #expect(text(report.checks["codex"]).contains("did not finish within 10 s"), "\(report.checks["codex"] ?? [:])")
        #expect(text(report.checks["codex"]).contains("~/.bash_profile"))
        #expect(!text(report.checks["codex"]).contains("pip install"), "installing Codex would not help")
    }

    /// Codex itself judges the policies: a value it does not know is a problem, with its words.
    @Test func aPolicyTheAppServerRefusesIsAProblem() async throws {
        let sandbox = try BoardSandbox()
        // maestro checks the shape (`granular` and a map); the fields are Codex's to judge.
        try workflow(
            sandbox, codex: try fakeCodex(sandbox, version: "0.163.0") + " app-server", codexExtra: "  approval_policy: {granular: {rules: \"yes\"}}")
        let report = try await doctor(sandbox)
        #expect(report.status == 1)
        #expect(status(report.checks["workflow"]) == "ok", "\(report.checks)")
        #expect(status(report.checks["codex policy"]) == "problem", "\(report.checks)")
        #expect(text(report.checks["codex policy"]).contains("thread/start was refused"), "\(report.checks)")
        #expect(text(report.checks["codex policy"]).contains("expected a boolean"), "\(report.checks)")
    }

    @Test func anUnwritableWorkspaceRootAndATakenPortAreProblems() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("a-file", "x")
        let listener = try Listener()
        try workflow(
            sandbox, codex: try fakeCodex(sandbox, version: "0.163.0") + " app-server", port: listener.port)
        var text = try String(contentsOfFile: sandbox.path("WORKFLOW.md"), encoding: .utf8)
        text = text.replacingOccurrences(of: "root: ./workspaces", with: "root: ./a-file/workspaces")
        try sandbox.write("WORKFLOW.md", text)
        let report = try await doctor(sandbox)
        #expect(report.status == 1)
        #expect(status(report.checks["workspaces"]) == "problem")
        #expect(status(report.checks["port"]) == "problem")
        #expect(self.text(report.checks["port"]).contains("127.0.0.1:\(listener.port) is in use"))
        withExtendedLifetime(listener) {}
    }

    @Test func linearWithoutItsKeyIsAProblem() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write(
            "WORKFLOW.md",
            """
            ---
            tracker:
              kind: linear
              project_slug: web
              api_key: $MAESTRO_TEST_LINEAR_KEY
            codex:
              command: "\(try fakeCodex(sandbox, version: "0.163.0")) app-server"
            server:
              port: 0
            ---
            Do it.
            """)
        let without = try await doctor(sandbox, environment: ["MAESTRO_TEST_LINEAR_KEY": ""])
        #expect(without.status == 1)
        #expect(status(without.checks["linear"]) == "problem")
        #expect(text(without.checks["linear"]).contains("$MAESTRO_TEST_LINEAR_KEY"))
        let with = try await doctor(sandbox, environment: ["MAESTRO_TEST_LINEAR_KEY": "lin_api_x"])
        #expect(status(with.checks["linear"]) == "ok", "\(with.checks)")
        #expect(status(with.checks["workflow"]) == "ok")
    }

    /// A TCP listener on a free loopback port, closed when released.
    final class Listener {
        let descriptor: Int32
        let port: Int

        init() throws {
            let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, length) }
            }
            try #require(bound == 0 && listen(socketDescriptor, 1) == 0)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
            }
            descriptor = socketDescriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }
}
