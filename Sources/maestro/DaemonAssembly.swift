import Adapters
import ArgumentParser
import Foundation
import Logging
import Runtime
import ServiceLifecycle
import StateMachine
import Transports
import WorkflowParser

/// Everything a daemon is made of for one workflow and database: what `maestro run` starts, and
/// what `maestro demo` starts on its throwaway board.
struct DaemonAssembly {
    let command: String
    let workflowPath: String
    let source: WorkflowSource
    let store: Store
    let lock: DaemonLock
    let orchestrator: Orchestrator
    /// The daemon's API, with its live side.
    let api: RuntimeAPI
    let linear: LinearProvider
    let surfaces: [any Service]

    /// Loads the workflow, takes the database's lock, opens the store and wires the orchestrator,
    /// the trackers and the HTTP listener. Every failure is a message and exit 1.
    /// - Parameter onListening: called with the listener's base URL once it listens.
    static func assemble(
        command: String, workflowPath path: String, databasePath: String, host: String?, port: Int?, logger: Logger,
        preflight: (any AgentPreflight)? = CodexPreflight(), onListening: @escaping @Sendable (String) -> Void
    ) async throws -> DaemonAssembly {
        let source: WorkflowSource
        do {
            source = try WorkflowSource(path: path)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            printError("\(command): \(path) is invalid; fix it and start again")
            throw ExitCode(1)
        }
        let workflow = await source.current
        let workflowPath = URL(fileURLWithPath: path).standardizedFileURL.path
        var taken: DaemonLock?
        let store: Store
        do {
            try Store.checkPath(databasePath)  // a bad path gets no lock file beside it
            taken = try DaemonLock(databasePath: databasePath, workflow: workflowPath)
            store = try Store.open(path: databasePath)
            // Before recovery touches any process: a hard link or copy of a live database is refused.
            try taken?.claimStore(store.storeId)
        } catch let error as DaemonLock.LockError {
            printError("\(command): \(error)")
            throw ExitCode(1)
        } catch let error as StoreError {
            taken?.discard()
            printError("\(command): \(error) [\(error.code)]")
            throw ExitCode(1)
        }
        guard let lock = taken else { throw ExitCode(1) }
        let http = httpSettings(workflow, host: host, port: port)
        if let refusal = http.refusal {
            printError("\(command): \(refusal)")
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
        let metrics = MaestroMetrics()
        let orchestrator = Orchestrator(
            board: board, providers: providers, runner: runner, source: source,
            environment: ProcessInfo.processInfo.environment.filter { !httpSecrets(workflow).contains($0.key) }, logger: logger,
            metrics: metrics.factory, syncBoard: syncBoard, preflight: preflight,
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
            onListening(url)
            logger.info("listening", metadata: ["url": "\(url)"])
        }
        let sync = LinearSyncService(provider: linear, syncBoard: syncBoard, workflow: { await source.current })
        let mcp = MCPService(api: api, version: Maestro.configuration.version, logger: logger)
        return DaemonAssembly(
            command: command, workflowPath: path, source: source, store: store, lock: lock, orchestrator: orchestrator, api: api,
            linear: linear, surfaces: [sync, surface, mcp])
    }

    /// What runs where, for the start-up banner.
    func banner() async -> String {
        let workflow = await source.current
        return [
            command,
            "  workflow:   \(workflowPath) (revision \(await source.revision); \(workflow.machine.policy.summary))",
            "  database:   \(store.path) (store \(store.storeId))",
            "  workspaces: \(workflow.config.workspaceRoot)",
            "  codex:      \(workflow.config.codex.command)",
        ].joined(separator: "\n")
    }

    /// Runs the daemon, with `extra` services beside the surfaces, until `signals` yields; then
    /// shuts down gracefully. A second signal stops at once (exit 130).
    func run(until signals: AsyncStream<Int32>, extra: [any Service] = [], logger: Logger) async throws {
        var daemon = Daemon(orchestrator: orchestrator, services: surfaces + extra, logger: logger)
        daemon.exitDeadline = Daemon.gracefulBound(daemon.shutdownTimeout) + .seconds(5)
        do {
            try await daemon.run(until: signals)
        } catch is Daemon.ForcedStop {
            printError("\(command): stopped at once on a second signal")
            throw ExitCode(130)
        } catch let error as HTTPSurfaceError {
            printError("\(command): \(error.message)")
            throw ExitCode(1)
        }
        withExtendedLifetime(lock) {}
    }

    /// The listener's settings: flags over WORKFLOW.md's `server` keys; the token from
    /// `server.auth_token` or `$MAESTRO_API_TOKEN`.
    static func httpSettings(_ workflow: Workflow, host: String?, port: Int?) -> HTTPSettings {
        let config = workflow.config
        let token = config.serverAuthToken ?? ProcessInfo.processInfo.environment["MAESTRO_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return HTTPSettings(host: host ?? config.serverHost, port: port ?? config.serverPort, token: token)
    }

    /// Variables that hold the HTTP token: never passed to agents or hooks.
    static func httpSecrets(_ workflow: Workflow) -> Set<String> {
        Set(["MAESTRO_API_TOKEN"] + [workflow.config.serverAuthTokenVariable].compactMap { $0 })
    }
}
