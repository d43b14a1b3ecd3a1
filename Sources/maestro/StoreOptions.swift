import Adapters
import ArgumentParser
import Foundation
import Runtime
import WorkflowParser

/// Options shared by the commands that read or write the database.
struct StoreOptions: ParsableArguments {
    @Option(help: "The database file. Default: $MAESTRO_DB, else .maestro/maestro.sqlite in the current directory.")
    var db: String?

    @Option(help: "The workflow whose tracker states the board uses. Default: ./WORKFLOW.md if present.")
    var workflow: String?

    @Flag(help: "Print JSON for machines.")
    var json = false

    var databasePath: String {
        db ?? ProcessInfo.processInfo.environment["MAESTRO_DB"] ?? Store.defaultPath
    }

    func openStore() throws -> Store {
        try Store.open(path: databasePath)
    }

    /// The board's rules: from the workflow file, or maestro's kanban defaults when the default
    /// `WORKFLOW.md` does not exist.
    func loadRules() throws -> KanbanRules {
        let path = workflow ?? "WORKFLOW.md"
        if workflow == nil, !FileManager.default.fileExists(atPath: path) {
            let defaults = try WorkflowLoader.parse("---\ntracker:\n  kind: kanban\n---\n", file: "(defaults)", baseDirectory: "/")
            return KanbanRules(workflow: defaults)
        }
        return KanbanRules(workflow: try WorkflowLoader.load(path: path))
    }

    /// Loads the workflow before opening the store, so a bad workflow leaves no new database behind.
    func board() throws -> KanbanBoard {
        let rules = try loadRules()
        return KanbanBoard(store: try openStore(), rules: rules)
    }

    /// Runs `body`, turning store and workflow errors into a clear message (or a JSON envelope) and exit 1.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as StoreError {
            fail(code: error.code, message: error.description)
        } catch let error as WorkflowError {
            if json {
                fail(code: error.errors.first?.code.rawValue ?? "invalid_workflow", message: error.description)
            }
            printError(error.description)
            throw ExitCode(1)
        }
    }

    private func fail(code: String, message: String) -> Never {
        if json {
            printOut((try? encodeJSON(["error": ["code": code, "message": message]])) ?? message)
        } else {
            printError("error: \(message) [\(code)]")
        }
        Maestro.exit(withError: ExitCode(1))
    }
}
