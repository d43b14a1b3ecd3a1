import Foundation

/// A checker for the subset of Mermaid `stateDiagram-v2` that `maestro graph` emits.
///
/// No Mermaid parser installs offline here (it is a JavaScript package), so this follows Mermaid's
/// grammar for the constructs we use: an optional front matter block whose values are valid YAML
/// scalars, the `stateDiagram-v2` header, `[*] --> s`, `s --> [*]` and `s --> t : label`, where
/// state ids are identifiers and a label is free text without `:`, `;`, `#`, braces or angle brackets
/// (which Mermaid treats as syntax inside a transition description).
enum MermaidStateDiagram {
    static func problems(in source: String) -> [String] {
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        var problems: [String] = []
        if lines.first == "---" {
            guard let end = lines.dropFirst().firstIndex(of: "---") else { return ["unclosed front matter"] }
            for line in lines[1..<end] {
                let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
                let value = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
                let quoted = value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2
                if parts.count != 2 || (!quoted && value.contains(": ")) {
                    problems.append("front matter line is not a YAML scalar entry: \(line)")
                }
            }
            lines.removeSubrange(0...end)
        }
        guard lines.first == "stateDiagram-v2" else { return problems + ["missing stateDiagram-v2 header"] }
        let id = "[A-Za-z_][A-Za-z0-9_]*"
        let patterns = [
            "^    \\[\\*\\] --> \(id)$",
            "^    \(id) --> \\[\\*\\]$",
            "^    \(id) --> \(id)$",
            "^    \(id) --> \(id) : [^:;#{}<>\"]+$",
        ]
        for line in lines.dropFirst()
        where !patterns.contains(where: { line.range(of: $0, options: .regularExpression) != nil }) {
            problems.append("not a stateDiagram-v2 statement: \(line)")
        }
        return problems
    }
}
