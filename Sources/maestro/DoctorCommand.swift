import Adapters
import ArgumentParser
import Foundation
import Runtime
import StateMachine
import WorkflowParser

#if canImport(Glibc)
    import Glibc
#endif

/// One finding of `maestro doctor`.
struct DoctorCheck: Codable, Hashable {
    enum Status: String, Codable {
        case ok, warning, problem
    }

    var name: String
    var status: Status
    var summary: String
    /// How to fix it; `nil` when nothing needs doing.
    @Nullable var fix: String?

    static func ok(_ name: String, _ summary: String) -> DoctorCheck { DoctorCheck(name: name, status: .ok, summary: summary, fix: nil) }
    static func warning(_ name: String, _ summary: String, fix: String?) -> DoctorCheck {
        DoctorCheck(name: name, status: .warning, summary: summary, fix: fix)
    }
    static func problem(_ name: String, _ summary: String, fix: String) -> DoctorCheck {
        DoctorCheck(name: name, status: .problem, summary: summary, fix: fix)
    }
}

/// `maestro doctor`: everything a run needs, each problem with its fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what `maestro run` needs and say how to fix each problem.",
        discussion: """
            Checks the workflow, the database, the Codex command (its version, and that it accepts the \
            configured approval policy and sandbox), the workspace root, the hook shell, the HTTP port, a \
            live daemon for the database, and the Linear key when Linear is used. Exit 1 when a problem \
            blocks a run, else 0 (warnings included).
            """
    )

    /// The Codex version maestro is tested with.
    static let testedCodexVersion = "0.163.0"

    @Argument(help: "Path to the workflow file.")
    var path = "WORKFLOW.md"

    @Option(help: "The database file. Default: $MAESTRO_DB, else the nearest .maestro/maestro.sqlite in this directory or a parent.")
    var db: String?

    @Flag(help: "Print JSON for machines.")
    var json = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var checks: [DoctorCheck] = []
        let workflow: Workflow?
        (workflow, checks) = Self.workflowCheck(path, environment: environment)
        let databasePath = Store.location(explicit: db, environment: environment).path
        checks.append(Self.databaseCheck(databasePath))
        let daemon = DaemonLock.liveHolder(databasePath: databasePath)
        checks.append(Self.daemonCheck(daemon, databasePath: databasePath))
        if let workflow {
            checks += await CodexCheck.run(workflow.config.codex, environment: environment)
            checks.append(Self.workspaceCheck(workflow.config.workspaceRoot))
            checks.append(Self.shellCheck(workflow))
            checks.append(Self.portCheck(host: workflow.config.serverHost, port: workflow.config.serverPort, daemon: daemon))
        }
        if let linear = await Self.linearCheck(workflow: workflow, databasePath: databasePath, environment: environment) {
            checks.append(linear)
        }
        let problems = checks.filter { $0.status == .problem }.count
        if json {
            printOut(try MaestroJSON.text(DoctorReport(ok: problems == 0, checks: checks)))
        } else {
            printOut(DoctorText.render(checks))
        }
        if problems > 0 { throw ExitCode(1) }
    }

    struct DoctorReport: Codable {
        var ok: Bool
        var checks: [DoctorCheck]
    }

    static func workflowCheck(_ path: String, environment: [String: String]) -> (Workflow?, [DoctorCheck]) {
        guard FileManager.default.fileExists(atPath: path) else {
            return (
                nil,
                [
                    .problem(
                        "workflow", "no workflow at \(path)",
                        fix: "`maestro init` writes a commented WORKFLOW.md for this repository (`maestro demo` shows the loop first)")
                ]
            )
        }
        do {
            let workflow = try WorkflowLoader.load(path: path, environment: environment)
            var checks = [DoctorCheck.ok("workflow", "\(path) is valid (\(workflow.machine.policy.summary))")]
            if !workflow.warnings.isEmpty {
                checks.append(
                    .warning(
                        "workflow", "\(workflow.warnings.count) warning\(workflow.warnings.count == 1 ? "" : "s"): \(workflow.warnings[0].description)",
                        fix: "`maestro validate \(path)` lists them"))
            }
            return (workflow, checks)
        } catch {
            let first = error.diagnostics.first?.description ?? "invalid"
            var checks = [
                DoctorCheck.problem(
                    "workflow", "\(path) is invalid (\(error.errors.count) error\(error.errors.count == 1 ? "" : "s")): \(first)",
                    fix: "`maestro validate \(path)` shows every error with its line and column")
            ]
            // A missing Linear key makes the workflow invalid; it is also the Linear check's finding.
            if let key = error.errors.first(where: { $0.code == .missingTrackerApiKey }) {
                checks.append(.problem("linear", key.message, fix: "export the variable: a Linear personal API key (Linear → Settings → API)"))
            }
            return (nil, checks)
        }
    }

    static func databaseCheck(_ path: String) -> DoctorCheck {
        do {
            switch try Store.inspect(path: path) {
            case .missing:
                let directory = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
                guard Writable.creatable(directory) else {
                    return .problem("database", "\(path) cannot be created: \(directory) is not writable", fix: "pass --db PATH in a writable directory")
                }
                return .ok("database", "\(path) does not exist yet; the first command that writes creates it")
            case .current(let migrations):
                return .ok("database", "\(path) is at the current schema (\(migrations) migrations)")
            case .older(_, let pending):
                return .warning(
                    "database", "\(path) is at an older schema; the next `maestro run` migrates it (\(pending.joined(separator: ", ")))",
                    fix: "nothing to do; keep a copy of the file if you may go back to an older maestro")
            }
        } catch {
            return .problem("database", "\(error) [\(error.code)]", fix: "pass --db PATH to use another file; maestro never changes a file it refused")
        }
    }

    static func daemonCheck(_ holder: DaemonLock.Holder?, databasePath: String) -> DoctorCheck {
        guard let holder else { return .ok("daemon", "no daemon runs for \(databasePath)") }
        let address = holder.http.map { ", listening on \($0)" } ?? ""
        return .warning(
            "daemon", "a daemon already runs for \(databasePath) (pid \(holder.pid)\(address)); a second `maestro run` on it would refuse to start",
            fix: "`maestro status` shows it; stop it with SIGINT or SIGTERM before starting another")
    }

    static func workspaceCheck(_ root: String) -> DoctorCheck {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                return .problem("workspaces", "\(root) is a file, not a directory", fix: "set workspace.root to a directory")
            }
            return access(root, W_OK) == 0
                ? .ok("workspaces", "\(root) is writable")
                : .problem("workspaces", "\(root) is not writable", fix: "make it writable, or set workspace.root elsewhere")
        }
        return Writable.creatable(root)
            ? .ok("workspaces", "\(root) will be created on the first dispatch")
            : .problem("workspaces", "\(root) cannot be created", fix: "set workspace.root to a directory you can write")
    }

    /// Hooks and the agent run with `bash -lc`.
    static func shellCheck(_ workflow: Workflow) -> DoctorCheck {
        guard let bash = Executables.find("bash") else {
            return .problem("shell", "bash was not found on PATH; hooks and the agent run with `bash -lc`", fix: "install bash")
        }
        let hooks = workflow.config.hooks
        let count = [hooks.afterCreate, hooks.beforeRun, hooks.afterRun, hooks.beforeRemove].compactMap { $0 }.count
        return .ok("shell", "\(bash) runs \(count) hook\(count == 1 ? "" : "s") (timeout \(hooks.timeoutMs) ms) and the agent")
    }

    static func portCheck(host: String, port: Int, daemon: DaemonLock.Holder?) -> DoctorCheck {
        if port == 0 { return .ok("port", "server.port 0: a free port is picked at start") }
        if let address = daemon?.http, address.hasSuffix(":\(port)") { return .ok("port", "\(host):\(port) is this database's daemon") }
        switch PortProbe.check(host: host, port: port) {
        case .free: return .ok("port", "\(host):\(port) is free")
        case .taken: return .problem("port", "\(host):\(port) is in use", fix: "stop what listens there, or use --port N (0 picks a free one)")
        case .unusable(let reason): return .problem("port", "\(host):\(port) cannot be used: \(reason)", fix: "set server.host to an address of this machine")
        }
    }

    static func linearCheck(workflow: Workflow?, databasePath: String, environment: [String: String]) async -> DoctorCheck? {
        var variables: [String] = []
        if workflow?.config.tracker.kind == "linear" {
            variables.append(workflow?.config.tracker.providerEnvironmentNames["api_key"] ?? "LINEAR_API_KEY")
        }
        if case .current = (try? Store.inspect(path: databasePath)) ?? .missing, let store = try? Store.open(path: databasePath) {
            let api = RuntimeAPI(board: Board(store: store), providers: Providers([]))
            for project in (try? await api.projects()) ?? [] where project.provider == "linear" {
                variables.append(project.settings["api_key_env"] ?? "LINEAR_API_KEY")
            }
        }
        guard !variables.isEmpty else { return nil }
        let missing = Set(variables).filter { (environment[$0] ?? "").trimmingCharacters(in: .whitespaces).isEmpty }.sorted()
        guard missing.isEmpty else {
            return .problem(
                "linear", "Linear is used but \(missing.map { "$\($0)" }.joined(separator: ", ")) is not set",
                fix: "export \(missing[0])=<a Linear personal API key> (Linear → Settings → API)")
        }
        return .ok("linear", "the Linear key is set (\(Set(variables).sorted().map { "$\($0)" }.joined(separator: ", ")))")
    }
}

/// The report for a terminal.
enum DoctorText {
    static func render(_ checks: [DoctorCheck]) -> String {
        let marks: [DoctorCheck.Status: String] = [.ok: "ok     ", .warning: "warning", .problem: "PROBLEM"]
        var lines = ["maestro doctor"]
        for check in checks {
            lines.append("  \(marks[check.status] ?? "")  \(check.name.padding(toLength: 10, withPad: " ", startingAt: 0))  \(check.summary)")
            if let fix = check.fix { lines.append("             \(String(repeating: " ", count: 10))  fix: \(fix)") }
        }
        let problems = checks.filter { $0.status == .problem }.count
        let warnings = checks.filter { $0.status == .warning }.count
        lines.append(
            problems == 0
                ? "ready to run\(warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : "")"
                : "\(problems) problem\(problems == 1 ? "" : "s") block\(problems == 1 ? "s" : "") a run")
        return lines.joined(separator: "\n")
    }
}

/// Where a path could be created: its nearest existing ancestor is a writable directory.
enum Writable {
    static func creatable(_ path: String) -> Bool {
        var current = URL(fileURLWithPath: path).standardizedFileURL
        while true {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: current.path, isDirectory: &isDirectory) {
                return isDirectory.boolValue && access(current.path, W_OK) == 0
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return false }
            current = parent
        }
    }
}

/// Programs on `PATH`.
enum Executables {
    static func find(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Whether a TCP port can be listened on, by binding it for a moment.
enum PortProbe {
    enum Result: Equatable {
        case free, taken
        case unusable(String)
    }

    static func check(host: String, port: Int) -> Result {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let literal = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, literal, &address.sin_addr) == 1 else { return .unusable("not an IPv4 address") }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return .unusable(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if bound == 0 { return .free }
        return errno == EADDRINUSE ? .taken : .unusable(String(cString: strerror(errno)))
    }
}

/// The Codex command: found, its version, and (when it answers) the policies it accepts.
enum CodexCheck {
    static func run(_ codex: WorkflowConfig.Codex, environment: [String: String]) async -> [DoctorCheck] {
        let diagnosis = await CodexDiagnosis.examine(codex, environment: environment)
        if diagnosis.lookupTimedOut {
            return [.problem("codex", CodexCheck.hangingShell(diagnosis.program), fix: CodexCheck.hangingShellFix)]
        }
        guard let resolved = diagnosis.resolved else {
            return [
                .problem(
                    "codex", "`\(diagnosis.program)` (codex.command) was not found",
                    fix: "install the Codex CLI \(DoctorCommand.testedCodexVersion) (`pip install openai-codex-cli-bin==\(DoctorCommand.testedCodexVersion)` "
                        + "or `npm install -g @openai/codex`), then `codex login`; `maestro demo` runs the loop without it")
            ]
        }
        let found: DoctorCheck
        if diagnosis.isDemoAgent {
            found = .ok("codex", "\(resolved): maestro's built-in demo agent (a script, not a model)")
        } else if let version = diagnosis.version {
            found =
                version == DoctorCommand.testedCodexVersion
                ? .ok("codex", "\(resolved) is Codex \(version)")
                : .warning(
                    "codex", "\(resolved) is Codex \(version); maestro is tested with \(DoctorCommand.testedCodexVersion)",
                    fix: "the app-server protocol drifts between versions: `pip install openai-codex-cli-bin==\(DoctorCommand.testedCodexVersion)`")
        } else {
            found = .warning("codex", "\(resolved) did not report a version", fix: "check that codex.command runs the Codex CLI")
        }
        return [found, await policies(codex, environment: environment)]
    }

    /// The login shell did not answer the lookup: said apart from a missing program, whose fix differs.
    static func hangingShell(_ program: String) -> String {
        "`bash -lc 'command -v \(program)'` did not finish within \(CodexDiagnosis.probeTimeout.components.seconds) s"
    }

    static let hangingShellFix =
        "agents and hooks start in the same login shell: find what your profile (~/.bash_profile, ~/.profile, ~/.bashrc) waits for, "
        + "such as a stale lock file or an unreachable mount; `bash -lc true` should return at once"

    /// Whether the app-server accepts the workflow's approval policy and sandbox.
    static func policies(_ codex: WorkflowConfig.Codex, environment: [String: String]) async -> DoctorCheck {
        let policy = if case .string(let name) = codex.approvalPolicy { name } else { "(a granular policy)" }
        let settings = "approval_policy \(policy) and thread_sandbox \(codex.threadSandbox)"
        guard let problem = await CodexDiagnosis.policyProblem(codex, environment: environment) else {
            return .ok("codex policy", "the app-server accepts \(settings)")
        }
        return .problem(
            "codex policy", "the app-server did not accept \(settings): \(problem)",
            fix: "set codex.approval_policy and codex.thread_sandbox to values this Codex knows (Specs/workflow.md lists them)")
    }
}
