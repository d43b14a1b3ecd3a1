import Yams

/// Turns a Yams error into a diagnostic positioned in WORKFLOW.md.
func yamlDiagnostic(_ error: any Error, yaml: String, file: String, lineOffset: Int) -> WorkflowDiagnostic {
    let hint = "fix the YAML between the '---' fences"
    guard let yamlError = error as? YamlError else {
        return WorkflowDiagnostic(
            .workflowParseError, "invalid YAML: \(error)", hint: hint, file: file, line: lineOffset + 1, column: 1)
    }
    switch yamlError {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
        .composer(_, let problem, let mark, _):
        return WorkflowDiagnostic(
            .workflowParseError, "invalid YAML: \(problem)", hint: hint, file: file, line: mark.line + lineOffset,
            column: mark.column)
    case .duplicatedKeysInMapping(let duplicates, let context):
        let key = duplicates.first ?? ""
        let (line, column) = secondOccurrence(of: key, after: context.mark, in: yaml) ?? (context.mark.line, context.mark.column)
        return WorkflowDiagnostic(
            .workflowParseError, "duplicate key '\(key)'", hint: "keep one '\(key)' entry in this map", file: file,
            line: line + lineOffset, column: column)
    default:
        return WorkflowDiagnostic(
            .workflowParseError, "invalid YAML: \(yamlError)", hint: hint, file: file, line: lineOffset + 1, column: 1)
    }
}

/// Yams points at the first of two duplicate keys; the user needs the second.
private func secondOccurrence(of key: String, after mark: Mark, in yaml: String) -> (Int, Int)? {
    let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
    guard mark.line >= 1 else { return nil }
    for index in mark.line..<lines.count {
        let line = lines[index]
        let indent = line.prefix { $0 == " " }.count
        guard indent + 1 == mark.column else { continue }
        let rest = line.dropFirst(indent)
        if rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") || rest.hasPrefix("'\(key)':") {
            return (index + 1, indent + 1)
        }
    }
    return nil
}
