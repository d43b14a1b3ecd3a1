import Adapters
import ArgumentParser
import Foundation
import Logging
import Runtime
import StateMachine
import WorkflowParser

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: drive eligible issues through the lifecycle until SIGINT or SIGTERM.",
        discussion: "One daemon per database: a second `maestro run` on the same database fails and names the live one."
    )

    @Argument(help: "Path to the workflow file.")
    var path = "WORKFLOW.md"

    @Option(help: "The database file. Default: $MAESTRO_DB, else .maestro/maestro.sqlite in the current directory.")
    var db: String?

    @Option(help: "The dashboard port (overrides server.port; the HTTP surface arrives with its own issue).")
    var port: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = KeyValueLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "maestro")
        let source: WorkflowSource
        do {
            source = try WorkflowSource(path: path)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            printError("maestro run: \(path) is invalid; fix it and start again")
            throw ExitCode(1)
        }
        let workflow = await source.current
        let databasePath = db ?? ProcessInfo.processInfo.environment["MAESTRO_DB"] ?? Store.defaultPath
        let lock: DaemonLock
        let store: Store
        do {
            lock = try DaemonLock(databasePath: databasePath, workflow: URL(fileURLWithPath: path).standardizedFileURL.path)
            store = try Store.open(path: databasePath)
        } catch let error as DaemonLock.LockError {
            printError("maestro run: \(error)")
            throw ExitCode(1)
        } catch let error as StoreError {
            printError("maestro run: \(error) [\(error.code)]")
            throw ExitCode(1)
        }
        let board = KanbanBoard(store: store, rules: KanbanRules(workflow: workflow))
        let tracker = KanbanTracker(board: board)
        let runner = CodexAgentRunner(tools: { request in
            KanbanTools(board: KanbanBoard(store: store, rules: KanbanRules(workflow: request.workflow)), identifier: request.identifier)
        })
        let orchestrator = Orchestrator(store: store, tracker: tracker, runner: runner, source: source, logger: logger)
        let banner = [
            "maestro run",
            "  workflow:   \(path) (revision \(await source.revision); \(workflow.machine.policy.summary))",
            "  database:   \(store.path) (store \(store.storeId))",
            "  workspaces: \(workflow.config.workspaceRoot)",
            "  codex:      \(workflow.config.codex.command)",
        ]
        printError(banner.joined(separator: "\n"))
        let daemon = Daemon(orchestrator: orchestrator, store: store, source: source, logger: logger)
        try await daemon.run(until: Daemon.terminationSignals())
        withExtendedLifetime(lock) {}
    }
}
