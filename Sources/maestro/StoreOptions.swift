import Adapters
import ArgumentParser
import Foundation
import Runtime
import WorkflowParser

/// Options shared by the commands that read or write the database.
struct StoreOptions: ParsableArguments {
    @Option(
        help: "The database file. Default: $MAESTRO_DB, else the nearest .maestro/maestro.sqlite in this directory or a parent.")
    var db: String?

    @Option(
        help: """
            The workflow whose tracker states the board uses. Default: the states the daemon of this \
            database published, else ./WORKFLOW.md, else maestro's defaults.
            """)
    var workflow: String?

    @Flag(help: "Print JSON for machines.")
    var json = false

    var location: Store.Location { Store.location(explicit: db) }

    /// The Runtime API over the database. Board commands write tracker facts only: the daemon
    /// decides what they mean for the lifecycle, with its own workflow. Only `create` (`project
    /// create`) makes a database that does not exist; every other command refuses with
    /// `no_database`.
    func api(create: Bool = false) async throws -> RuntimeAPI {
        let explicit = try workflow.map { try Self.boardWorkflow($0) }
        let location = location
        // A database that does not exist yet has published nothing: judge ./WORKFLOW.md before
        // anything is created.
        let early = explicit == nil && !Store.holdsData(location.path) ? try localWorkflow() : nil
        let store = try Self.open(location, create: create)
        let columns: KanbanColumns
        var hints: LifecycleRules?
        if let explicit {
            columns = KanbanColumns(workflow: explicit)
            hints = LifecycleRules(workflow: explicit)
        } else if let published = try await BoardSettings.published(in: store) {
            columns = KanbanColumns(settings: published)
        } else if let found = try early ?? localWorkflow() {
            columns = KanbanColumns(workflow: found)
            hints = LifecycleRules(workflow: found)
        } else {
            columns = KanbanColumns(workflow: try WorkflowLoaderDefaults.kanban())
        }
        let board = Board(store: store)
        let linear = LinearProvider(board: board, workflow: { explicit })
        return RuntimeAPI(
            board: board, providers: Providers([KanbanProvider(board: board, columns: columns), linear]), hintRules: hints)
    }

    /// Opens the store; a database that was looked for and not found says where it was looked for.
    private static func open(_ location: Store.Location, create: Bool) throws -> Store {
        do {
            return try Store.open(path: location.path, create: create)
        } catch {
            guard case .noDatabase = error, location.discovered else { throw error }
            throw APIError(
                .noDatabase,
                "no maestro database in \(FileManager.default.currentDirectoryPath) or a parent directory (\(Store.defaultPath)); "
                    + "create one here with `maestro project create NAME`, or name one with --db or MAESTRO_DB")
        }
    }

    /// `./WORKFLOW.md`, when there is one.
    private func localWorkflow() throws -> Workflow? {
        FileManager.default.fileExists(atPath: "WORKFLOW.md") ? try Self.boardWorkflow("WORKFLOW.md") : nil
    }

    /// A workflow for its tracker states. Board commands render no prompt, so a prompt's error is a
    /// warning here (on standard error; `maestro validate` and the daemon still refuse it), and one
    /// template typo does not stop `issue list` while the daemon runs on its last good config.
    private static func boardWorkflow(_ path: String) throws -> Workflow {
        let workflow = try WorkflowLoader.load(path: path, prompts: .lenient)
        let prompts = workflow.warnings.filter { [.templateParseError, .templateRenderError].contains($0.code) }
        if !prompts.isEmpty {
            for warning in prompts { printError(warning.description) }
            printError("warning: \(path) has \(prompts.count) prompt error(s); board commands go on with its tracker states")
        }
        return workflow
    }

    /// Runs `body` with the API, turning every failure into a clear message (or the JSON error
    /// envelope with `--json`) and exit 1. `create` lets the command make the database.
    func run(create: Bool = false, _ body: (RuntimeAPI) async throws -> Void) async throws {
        do {
            try await body(try await api(create: create))
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
