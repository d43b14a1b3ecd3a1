import ArgumentParser
import DemoAgent
import Foundation
import Logging
import Runtime
import Synchronization

/// `maestro demo`: the whole loop on a throwaway board, with the built-in demo agent.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch maestro work: a sample board of eight issues, driven by a built-in demo agent (a script, not a model).",
        discussion: """
            Starts a daemon on a throwaway database and workspace root, with the dashboard on a free port. \
            One issue asks a question (answered for you after a few seconds unless you answer first), one \
            fails once and retries, one waits for another, one is cancelled. Exits with a summary when the \
            board is finished; --keep-running keeps the daemon and dashboard up. Needs no Codex and no account.
            """
    )

    @Option(help: "Keep the demo's files here (created if need be) instead of a temporary directory removed at exit.")
    var dir: String?

    @Option(help: "The dashboard's port; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Milliseconds per step of the demo agent's script (smaller is faster).")
    var beatMs: Int = 600

    @Option(help: "Seconds before the demo answers a question nobody answered.")
    var answerAfter: Double = 5

    @Option(help: "Seconds the long job runs before the demo cancels it.")
    var cancelAfter: Double = 4

    @Option(help: "Seconds before the demo gives up.")
    var timeout: Double = 300

    @Flag(help: "Keep the daemon and dashboard up after the board is finished, until interrupted.")
    var keepRunning = false

    @Option(help: "Log level of the daemon's own log (standard error).")
    var logLevel: String = "warning"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard beatMs >= 0, answerAfter >= 0, cancelAfter >= 0, timeout > 0 else {
            throw ValidationError("--beat-ms, --answer-after and --cancel-after must not be negative, --timeout must be positive")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level '\(logLevel)'") }
    }

    func run() async throws {
        let signals = Daemon.terminationSignals()
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = KeyValueLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "maestro")
        let folder = dir.map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("maestro-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(at: folder) } }
        let workflowPath = folder.appendingPathComponent("WORKFLOW.md").path
        let agent = "\(Self.shellQuoted(Self.executablePath)) demo-agent --beat-ms \(beatMs)"
        try DemoBoard.workflow(agentCommand: agent, port: port).write(toFile: workflowPath, atomically: true, encoding: .utf8)

        let terminal = DemoTerminal(interactive: isatty(STDOUT_FILENO) == 1)
        terminal.line("maestro demo: a sample board of \(DemoBoard.issues.count) issues, worked by the built-in demo agent (a script, not a model)")
        let assembly = try await DaemonAssembly.assemble(
            command: "maestro demo", workflowPath: workflowPath, databasePath: folder.appendingPathComponent("maestro.sqlite").path,
            host: nil, port: port, logger: logger
        ) { url in terminal.line("  dashboard:  \(url)/   (open it to watch the board)") }
        terminal.line("  files:      \(folder.path)\(dir == nil ? " (removed at exit)" : "")")
        let api = assembly.api
        let after = try await api.lastSeq()
        try await DemoBoard.create(in: api)

        var settings = DemoDirector.Settings()
        settings.answerAfter = .milliseconds(Int(answerAfter * 1000))
        settings.cancelAfter = .milliseconds(Int(cancelAfter * 1000))
        settings.timeout = .milliseconds(Int(timeout * 1000))
        settings.keepRunning = keepRunning
        let outcome = DemoDirector.Outcome()
        let (merged, stop) = AsyncStream.makeStream(of: Int32.self)
        let director = DemoDirector(
            api: api, settings: settings, output: DemoDirector.Output(line: terminal.line, progress: terminal.progress), outcome: outcome,
            after: after, startedAt: Date(), stop: { stop.yield(0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The daemon stops on the first of: the director's "finished", SIGINT, SIGTERM.
            group.addTask {
                for await signal in signals { stop.yield(signal) }
            }
            group.addTask { try await assembly.run(until: merged, extra: [director], logger: logger) }
            try await group.next()
            group.cancelAll()
        }
        terminal.finish()
        guard outcome.finished && outcome.everyPathShown else {
            printError("maestro demo: the demo did not show every lifecycle path; see the summary above")
            throw ExitCode(1)
        }
        if dir == nil { terminal.line("next: `maestro init` writes a WORKFLOW.md for your repository; `maestro doctor` checks what a run needs") }
    }

    /// This executable, as the demo agent's command line names it.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// The demo's terminal: lines scroll; on a terminal the progress bar stays on the last line and
/// is redrawn in place, elsewhere it is printed when it changes.
final class DemoTerminal: Sendable {
    private let interactive: Bool
    private let shown = Mutex<String>("")

    init(interactive: Bool) { self.interactive = interactive }

    var line: @Sendable (String) -> Void {
        { [self] text in
            shown.withLock { progress in
                write(interactive ? "\r\u{1B}[K\(text)\n\(progress)" : "\(text)\n")
            }
        }
    }

    var progress: @Sendable (String) -> Void {
        { [self] text in
            shown.withLock { progress in
                guard text != progress else { return }
                progress = text
                write(interactive ? "\r\u{1B}[K\(text)" : "\(text)\n")
            }
        }
    }

    func finish() {
        shown.withLock { progress in
            if interactive && !progress.isEmpty { write("\n") }
            progress = ""
        }
    }

    private func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
}
