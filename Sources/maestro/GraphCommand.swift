import ArgumentParser
import Foundation
import Runtime
import StateMachine
import WorkflowParser

/// `--format` values; mirrors ``GraphFormat`` so the StateMachine module needs no ArgumentParser.
enum GraphFormatArgument: String, CaseIterable, ExpressibleByArgument {
    case mermaid, dot, json, text, svg

    var format: GraphFormat { GraphFormat(rawValue: rawValue) ?? .mermaid }
}

/// `--view` values; mirrors ``GraphView``.
enum GraphViewArgument: String, CaseIterable, ExpressibleByArgument {
    case overview, full

    var view: GraphView { GraphView(rawValue: rawValue) ?? .overview }
}

struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the lifecycle state machine compiled from a WORKFLOW.md.",
        discussion: """
            The overview (default) draws one edge per pair of states labelled with its events, the main path \
            in one line and the events that arrive from many states once. --view full labels every transition \
            `event [guard] / effects`. --format svg is drawn by maestro itself.
            """
    )

    @Argument(help: "Path to the workflow file.")
    var path = "WORKFLOW.md"

    @Option(help: "Output format: \(GraphFormatArgument.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: GraphFormatArgument = .mermaid

    @Option(help: "What to draw: overview (one edge per state pair, with its events) or full (every transition).")
    var view: GraphViewArgument = .overview

    @Flag(help: "With --format svg: the number of issues in each state, from the database (--db).")
    var counts = false

    @Option(help: "The database for --counts. Default: $MAESTRO_DB, else the nearest .maestro/maestro.sqlite here or in a parent.")
    var db: String?

    func validate() throws {
        if counts, format != .svg { throw ValidationError("--counts draws numbers on the SVG; use it with --format svg") }
    }

    func run() async throws {
        let workflow: Workflow
        do {
            workflow = try WorkflowLoader.load(path: path)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ExitCode(1)
        }
        for warning in workflow.warnings { printError(warning.description) }
        guard counts else { return printOut(workflow.machine.render(format.format, view: view.view)) }
        printOut(workflow.machine.renderSVG(view: view.view, counts: try await lifecycleCounts()))
    }

    /// The same numbers the dashboard shows: issues per lifecycle state, from the board overview.
    private func lifecycleCounts() async throws -> [LifecycleState: Int] {
        let path = Store.location(explicit: db).path
        guard Store.holdsData(path) else {
            printError("error: no database at \(path); pass --db or run `maestro run` first [cannot_open_database]")
            throw ExitCode(1)
        }
        do {
            let store = try Store.open(path: path, create: false)
            let overview = try await RuntimeAPI(board: Board(store: store), providers: Providers([])).boardOverview()
            return Dictionary(
                uniqueKeysWithValues: overview.byLifecycleState.compactMap { key, value in LifecycleState(rawValue: key).map { ($0, value) } })
        } catch {
            let failure = APIError.from(error)
            printError("error: \(failure.message) [\(failure.code)]")
            throw ExitCode(1)
        }
    }
}
