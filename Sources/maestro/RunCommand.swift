import Adapters
import ArgumentParser
import Foundation
import Logging
import Runtime
import StateMachine
import Transports
import WorkflowParser

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: drive eligible issues through the lifecycle until SIGINT or SIGTERM.",
        discussion: "One daemon per database: a second `maestro run` on the same database fails and names the live one."
    )

    @Argument(help: "Path to the workflow file.")
    var path = "WORKFLOW.md"

    @Option(help: "The database file. Default: $MAESTRO_DB, else the nearest .maestro/maestro.sqlite in this directory or a parent.")
    var db: String?

    @Option(help: "The HTTP port (overrides server.port); 0 picks a free one.")
    var port: Int?

    @Option(help: "The HTTP address (overrides server.host); beyond loopback it needs an auth token.")
    var host: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    /// Out-of-range ports and unknown log levels are usage errors (exit 2), found before anything starts.
    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535 (0 picks a free port), got \(port)") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--log-level must be one of \(levels), got '\(logLevel)'")
        }
    }

    func run() async throws {
        // Before anything else, so that a signal during start-up and recovery still shuts down
        // gracefully instead of killing the process.
        let signals = Daemon.terminationSignals()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = KeyValueLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "maestro")
        try await FirstRun.check(workflowPath: path)
        let databasePath = Store.location(explicit: db).path
        let assembly = try await DaemonAssembly.assemble(
            command: "maestro run", workflowPath: path, databasePath: databasePath, host: host, port: port, logger: logger
        ) { url in printError("  dashboard:  \(url)/") }
        printError(await assembly.banner())
        try await LinearStart.ensureProject(assembly.linear, workflow: await assembly.source.current)
        try await assembly.run(until: signals, logger: logger)
    }
}

/// A `tracker.kind: linear` workflow's project at start: created or found now, so a wrong key or
/// slug stops `maestro run` with a clear message; a network failure only warns (the sync service
/// tries again on every pass).
enum LinearStart {
    static func ensureProject(_ linear: LinearProvider, workflow: Workflow) async throws {
        do {
            if let project = try await linear.ensureProject(for: workflow) {
                printError("  linear:     project \(project.key) mirrors \(project.settings["slug"] ?? project.externalId ?? "?")")
            }
        } catch let error as APIError where ["tracker_request", "tracker_status", "tracker_rate_limited"].contains(error.code) {
            printError("maestro run: warning: \(error.message) [\(error.code)]; the sync retries")
        } catch let error as APIError {
            printError("maestro run: \(error.message) [\(error.code)]")
            throw ExitCode(1)
        }
    }
}
