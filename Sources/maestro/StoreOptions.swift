import Adapters
import ArgumentParser
import Foundation
import Runtime
import WorkflowParser

/// Options shared by the commands that read or write the database.
struct StoreOptions: ParsableArguments {
    @Option(help: "The database file. Default: $MAESTRO_DB, else .maestro/maestro.sqlite in the current directory.")
    var db: String?

    @Option(
        help: """
            The workflow whose tracker states the board uses. Default: the states the daemon of this \
            database published, else ./WORKFLOW.md, else maestro's defaults.
            """)
    var workflow: String?

    @Flag(help: "Print JSON for machines.")
    var json = false

    var databasePath: String {
        db ?? ProcessInfo.processInfo.environment["MAESTRO_DB"] ?? Store.defaultPath
    }

    /// The Runtime API over the database. Board commands write tracker facts only: the daemon
    /// decides what they mean for the lifecycle, with its own workflow.
    func api() async throws -> RuntimeAPI {
        let explicit = try workflow.map { try WorkflowLoader.load(path: $0) }
        let store = try Store.open(path: databasePath)
        let columns: KanbanColumns
        var hints: LifecycleRules?
        if let explicit {
            columns = KanbanColumns(workflow: explicit)
            hints = LifecycleRules(workflow: explicit)
        } else if let published = try await BoardSettings.published(in: store) {
            columns = KanbanColumns(settings: published)
        } else if FileManager.default.fileExists(atPath: "WORKFLOW.md") {
            let local = try WorkflowLoader.load(path: "WORKFLOW.md")
            columns = KanbanColumns(workflow: local)
            hints = LifecycleRules(workflow: local)
        } else {
            columns = KanbanColumns(workflow: try WorkflowLoaderDefaults.kanban())
        }
        let board = Board(store: store)
        let linear = LinearProvider(board: board, workflow: { explicit })
        return RuntimeAPI(
            board: board, providers: Providers([KanbanProvider(board: board, columns: columns), linear]), hintRules: hints)
    }

    /// Runs `body` with the API, turning every failure into a clear message (or the JSON error
    /// envelope with `--json`) and exit 1.
    func run(_ body: (RuntimeAPI) async throws -> Void) async throws {
        do {
            try await body(try await api())
        } catch let error as ExitCode {
            throw error
        } catch let error as WorkflowError {
            if json { fail(APIError(code: error.errors.first?.code.rawValue ?? "invalid_workflow", message: error.description)) }
            printError(error.description)
            throw ExitCode(1)
        } catch {
            fail(APIError.from(error))
        }
    }

    /// Prints `error` (as the envelope with `--json`) and exits 1.
    func fail(_ error: APIError) -> Never {
        if json {
            printOut((try? MaestroJSON.text(APIError.Envelope(error))) ?? error.message)
        } else {
            printError("error: \(error.message) [\(error.code)]")
        }
        Maestro.exit(withError: ExitCode(1))
    }

    /// Prints `value` as JSON with `--json`, else `text()`.
    func print<T: Encodable>(_ value: T, _ text: () -> String) throws {
        printOut(json ? try MaestroJSON.text(value) : text())
    }
}
