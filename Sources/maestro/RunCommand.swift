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

    @Option(help: "The HTTP port (overrides server.port); 0 picks a free one.")
    var port: Int?

    @Option(help: "The HTTP address (overrides server.host); beyond loopback it needs an auth token.")
    var host: String?

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
        let linear = LinearProvider(board: board, workflow: { await source.current }, logger: Logger(label: "maestro.linear"))
        linear.declareSecrets(workflow.config.tracker.providerEnvironmentNames.values)
        let providers = Providers([kanban, linear])
        // The agent's tools act through the daemon's own API, so an agent moving its issue commits
        // the move and its lifecycle consequences in one transaction.
        let boardAPI = RuntimeAPI(board: board, providers: providers)
        let runner = CodexAgentRunner(tools: { request -> (any AgentToolProvider)? in
            if request.provider == linear.kind { return LinearTools(api: boardAPI, provider: linear, identifier: request.identifier) }
            return KanbanTools(api: boardAPI, identifier: request.identifier, columns: KanbanColumns(workflow: request.workflow).columns)
        })
        let syncBoard = TrackerSyncBoard()
        let workflowPath = URL(fileURLWithPath: path).standardizedFileURL.path
        let http = httpSettings(workflow)
        if let refusal = http.refusal {
            printError("maestro run: \(refusal)")
            throw ExitCode(1)
        }
        let metrics = MaestroMetrics()
        let orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source,
            environment: ProcessInfo.processInfo.environment.filter { !Self.httpSecrets(workflow).contains($0.key) }, logger: logger,
            metrics: metrics.factory, syncBoard: syncBoard,
            onWorkflow: { workflow, revision in
                linear.declareSecrets(workflow.config.tracker.providerEnvironmentNames.values)
                let columns = KanbanColumns(workflow: workflow)
                let settings = BoardSettings(
                    columns: columns.columns, initialColumn: columns.initialColumn, workflowPath: workflowPath, revision: revision)
                do { try await settings.publish(in: store) } catch {
                    logger.warning("publishing the board's states failed", metadata: ["error": "\(error)"])
                }
            })
        let api = RuntimeAPI(board: board, providers: providers, live: orchestrator)
        let surface = HTTPSurface(api: api, settings: http, metrics: metrics, logger: logger) { url in
            lock.publish(httpAddress: url)
            printError("  dashboard:  \(url)/")
            logger.info("listening", metadata: ["url": "\(url)"])
        }
        let banner = [
            "maestro run",
            "  workflow:   \(path) (revision \(await source.revision); \(workflow.machine.policy.summary))",
            "  database:   \(store.path) (store \(store.storeId))",
            "  workspaces: \(workflow.config.workspaceRoot)",
            "  codex:      \(workflow.config.codex.command)",
        ]
        printError(banner.joined(separator: "\n"))
        try await LinearStart.ensureProject(linear, workflow: workflow)
        let sync = LinearSyncService(provider: linear, syncBoard: syncBoard, workflow: { await source.current })
        let daemon = Daemon(orchestrator: orchestrator, services: [sync, surface], logger: logger)
        do {
            try await daemon.run(until: signals)
        } catch is Daemon.ForcedStop {
            printError("maestro run: stopped at once on a second signal")
            throw ExitCode(130)
        } catch let error as HTTPSurfaceError {
            printError("maestro run: \(error.message)")
            throw ExitCode(1)
        }
        withExtendedLifetime(lock) {}
    }

    /// The listener's settings: flags over WORKFLOW.md's `server` keys; the token from
    /// `server.auth_token` or `$MAESTRO_API_TOKEN`.
    func httpSettings(_ workflow: Workflow) -> HTTPSettings {
        let config = workflow.config
        let token = config.serverAuthToken ?? ProcessInfo.processInfo.environment["MAESTRO_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return HTTPSettings(host: host ?? config.serverHost, port: port ?? config.serverPort, token: token)
    }

    /// Variables that hold the HTTP token: never passed to agents or hooks.
    static func httpSecrets(_ workflow: Workflow) -> Set<String> {
        Set(["MAESTRO_API_TOKEN"] + [workflow.config.serverAuthTokenVariable].compactMap { $0 })
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
