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

    @Option(help: "The database file. Default: $MAESTRO_DB, else .maestro/maestro.sqlite in the current directory.")
    var db: String?

    @Option(help: "The dashboard port (overrides server.port; the HTTP surface arrives with its own issue).")
    var port: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

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
        let board = Orchestrator.daemonBoard(store: store, source: source)
        let kanban = KanbanProvider(board: board) { KanbanColumns(workflow: await source.current) }
        let providers = Providers([kanban])
        // The agent's tools act through the daemon's own API, so an agent moving its issue commits
        // the move and its lifecycle consequences in one transaction.
        let boardAPI = RuntimeAPI(board: board, providers: providers)
        let runner = CodexAgentRunner(tools: { request in
            KanbanTools(api: boardAPI, identifier: request.identifier, columns: KanbanColumns(workflow: request.workflow).columns)
        })
        let workflowPath = URL(fileURLWithPath: path).standardizedFileURL.path
        let orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source, logger: logger,
            onWorkflow: { workflow, revision in
                let columns = KanbanColumns(workflow: workflow)
                let settings = BoardSettings(
                    columns: columns.columns, initialColumn: columns.initialColumn, workflowPath: workflowPath, revision: revision)
                do { try await settings.publish(in: store) } catch {
                    logger.warning("publishing the board's states failed", metadata: ["error": "\(error)"])
                }
            })
        let banner = [
            "maestro run",
            "  workflow:   \(path) (revision \(await source.revision); \(workflow.machine.policy.summary))",
            "  database:   \(store.path) (store \(store.storeId))",
            "  workspaces: \(workflow.config.workspaceRoot)",
            "  codex:      \(workflow.config.codex.command)",
        ]
        printError(banner.joined(separator: "\n"))
        let mcp = MCPService(
            api: RuntimeAPI(board: board, providers: providers, live: orchestrator), version: Maestro.configuration.version, logger: logger)
        let daemon = Daemon(orchestrator: orchestrator, services: [mcp], logger: logger)
        do {
            try await daemon.run(until: signals)
        } catch is Daemon.ForcedStop {
            printError("maestro run: stopped at once on a second signal")
            throw ExitCode(130)
        }
        withExtendedLifetime(lock) {}
    }
}
