/// A stable code for each kind of WORKFLOW.md problem; documented in `Specs/workflow.md`.
public enum WorkflowErrorCode: String, Sendable, Hashable, CaseIterable, Codable {
    case missingWorkflowFile = "missing_workflow_file"
    /// The file is not UTF-8 text (or holds NUL bytes: a binary file).
    case workflowEncodingError = "workflow_encoding_error"
    case workflowParseError = "workflow_parse_error"
    case workflowFrontMatterNotAMap = "workflow_front_matter_not_a_map"
    case invalidConfigValue = "invalid_config_value"
    case missingConfigValue = "missing_config_value"
    case unsetEnvironmentVariable = "unset_environment_variable"
    case unsupportedTrackerKind = "unsupported_tracker_kind"
    /// `tracker.kind: linear` without an API key (Symphony's code).
    case missingTrackerApiKey = "missing_tracker_api_key"
    /// `tracker.kind: linear` without a project slug (Symphony's code).
    case missingTrackerProjectSlug = "missing_tracker_project_slug"
    case templateParseError = "template_parse_error"
    case templateRenderError = "template_render_error"
    /// A warning: the key is ignored.
    case unknownConfigKey = "unknown_config_key"
}

/// One finding about a WORKFLOW.md file, with its position in that file.
public struct WorkflowDiagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning
    }

    public var code: WorkflowErrorCode
    public var severity: Severity
    public var message: String
    /// One line telling the user what to do.
    public var hint: String
    public var file: String
    /// 1-based line in the file (front matter offset included); 0 when the file could not be read.
    public var line: Int
    /// 1-based column.
    public var column: Int

    public init(
        _ code: WorkflowErrorCode, _ message: String, hint: String, file: String, line: Int, column: Int,
        severity: Severity = .error
    ) {
        self.code = code
        self.severity = severity
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column: error: message [code]` followed by an indented hint line.
    public var description: String {
        let position = line > 0 ? "\(file):\(line):\(column)" : file
        return "\(position): \(severity.rawValue): \(message) [\(code.rawValue)]\n    hint: \(hint)"
    }
}

/// Loading a WORKFLOW.md failed; `diagnostics` holds every error found (and the warnings).
public struct WorkflowError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [WorkflowDiagnostic]

    public init(diagnostics: [WorkflowDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// The errors, in file order.
    public var errors: [WorkflowDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
