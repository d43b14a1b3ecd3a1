import ArgumentParser
import Foundation
import StateMachine
import WorkflowParser

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a WORKFLOW.md: front matter, prompts and the compiled lifecycle.",
        discussion: "Exit 0 with a summary when valid; otherwise every diagnostic and exit 1."
    )

    @Argument(help: "Path to the workflow file.")
    var path = "WORKFLOW.md"

    @Flag(help: "Print JSON for machines.")
    var json = false

    func run() throws {
        let workflow: Workflow
        do {
            workflow = try WorkflowLoader.load(path: path)
        } catch {
            if json {
                printOut(try encodeJSON(ValidationReport(valid: false, file: path, summary: nil, diagnostics: error.diagnostics)))
            } else {
                for diagnostic in error.diagnostics { printError(diagnostic.description) }
                let count = error.errors.count
                printError("\(path): invalid (\(count) error\(count == 1 ? "" : "s"))")
            }
            throw ExitCode(1)
        }
        if json {
            printOut(try encodeJSON(ValidationReport(valid: true, file: path, summary: .init(workflow), diagnostics: workflow.warnings)))
        } else {
            for warning in workflow.warnings { printError(warning.description) }
            printOut(WorkflowSummary(workflow).text(file: path))
        }
    }
}

/// `maestro validate --json` output.
struct ValidationReport: Encodable {
    var valid: Bool
    var file: String
    var summary: WorkflowSummary?
    var diagnostics: [WorkflowDiagnostic]
}

/// JSON for the workflow commands, in the vocabulary of every surface: snake_case keys, sorted.
func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
