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

/// Yams points at the first of two duplicate keys; the user needs the second. Searches forward from
/// the first for the key at a token boundary followed by `:`, in block or flow style.
private func secondOccurrence(of key: String, after mark: Mark, in yaml: String) -> (Int, Int)? {
    let lines = yaml.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map { Array($0) }
    let candidates = [key, "\"\(key)\"", "'\(key)'"].map(Array.init)
    var startColumn = mark.column + key.count - 1
    for index in max(mark.line - 1, 0)..<lines.count {
        let line = lines[index]
        var column = index == mark.line - 1 ? startColumn : 0
        while column < line.count {
            let boundary = column == 0 || [" ", "{", ",", "\t"].contains(line[column - 1])
            if boundary, let match = candidates.first(where: { line[column...].starts(with: $0) }) {
                var after = column + match.count
                while after < line.count, line[after] == " " { after += 1 }
                if after < line.count, line[after] == ":" { return (index + 1, column + 1) }
            }
            column += 1
        }
        startColumn = 0
    }
    return nil
}
