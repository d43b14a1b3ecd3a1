import ArgumentParser
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

struct GraphCommand: ParsableCommand {
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

    func run() throws {
        do {
            let workflow = try WorkflowLoader.load(path: path)
            for warning in workflow.warnings { printError(warning.description) }
            printOut(workflow.machine.render(format.format, view: view.view))
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ExitCode(1)
        }
    }
}
