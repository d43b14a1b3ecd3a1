import Foundation
import Testing

@testable import WorkflowParser

/// The environment most tests load with: a fixed HOME and nothing else.
let testEnvironment = ["HOME": "/home/tester"]

/// The repository root: this file is `Tests/WorkflowParserTests/…`, two levels below it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Joins lines with "\n" (plus a final newline), so element `i` is file line `i + 1`.
func lines(_ lines: String...) -> String {
    lines.joined(separator: "\n") + "\n"
}

/// A workflow whose front matter is `frontMatter` (file lines 2, 3, …) followed by a valid body.
func workflowText(_ frontMatter: String..., body: String = "Work on {{ issue.title }}.") -> String {
    "---\n" + frontMatter.map { $0 + "\n" }.joined() + "---\n" + body + "\n"
}

/// The smallest valid front matter.
let minimalWorkflow = workflowText("tracker: {kind: kanban}")

/// Parses `text` as `WORKFLOW.md` in `/base`.
func parse(_ text: String, environment: [String: String] = testEnvironment) throws(WorkflowError) -> Workflow {
    try WorkflowLoader.parse(text, file: "WORKFLOW.md", baseDirectory: "/base", environment: environment)
}

/// The error parsing `text` throws; records an issue (and returns `nil`) when parsing succeeds.
func parseFailure(
    _ text: String, environment: [String: String] = testEnvironment, sourceLocation: SourceLocation = #_sourceLocation
) -> WorkflowError? {
    do {
        let workflow = try parse(text, environment: environment)
        Issue.record("expected loading to fail; warnings: \(workflow.warnings)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The error loading the file at `path` throws; records an issue when loading succeeds.
func loadFailure(
    _ path: String, environment: [String: String] = testEnvironment, sourceLocation: SourceLocation = #_sourceLocation
) -> WorkflowError? {
    do {
        _ = try WorkflowLoader.load(path: path, environment: environment)
        Issue.record("expected loading '\(path)' to fail", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The parts of a diagnostic most tests compare: code, position, message and severity.
struct Spot: Equatable, Sendable, CustomStringConvertible {
    var code: WorkflowErrorCode
    var line: Int
    var column: Int
    var message: String
    var severity: WorkflowDiagnostic.Severity

    init(
        _ code: WorkflowErrorCode, _ line: Int, _ column: Int, _ message: String,
        severity: WorkflowDiagnostic.Severity = .error
    ) {
        self.code = code
        self.line = line
        self.column = column
        self.message = message
        self.severity = severity
    }

    var description: String { "\(line):\(column) \(severity.rawValue) [\(code.rawValue)] \(message)" }
}

extension WorkflowDiagnostic {
    var spot: Spot { Spot(code, line, column, message, severity: severity) }
}

/// Spots in file order, for comparisons that must not depend on reporting order.
func spotsInFileOrder(_ diagnostics: [WorkflowDiagnostic]?) -> [Spot]? {
    diagnostics?.map(\.spot).sorted { ($0.line, $0.column, $0.message) < ($1.line, $1.column, $1.message) }
}

/// A fresh directory under the system temp directory; the caller removes it.
func makeTemporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-wp-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// Writes `text` to `name` in `directory` and returns its path.
func write(_ text: String, to name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// The issue context the prompts in these tests render with.
let sampleIssue: [String: TemplateValue] = ["issue": ["title": "Fix login", "identifier": "MAE-7"]]
