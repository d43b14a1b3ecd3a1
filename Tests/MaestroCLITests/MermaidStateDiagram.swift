import Foundation

/// A checker for the subset of Mermaid `stateDiagram-v2` that `maestro graph` emits.
///
/// No Mermaid parser installs offline here (it is a JavaScript package), so this follows Mermaid's
/// grammar for the constructs we use: an optional front matter block whose values are valid YAML
/// scalars, the `stateDiagram-v2` header, and these statements, one per line:
///
/// - `[*] --> s`, `s --> [*]`, `s --> t` and `s --> t : label`, where state ids are identifiers and a
///   label is free text without `:`, `;`, `#`, braces, angle brackets or quotes (which Mermaid treats
///   as syntax inside a transition description);
/// - `direction LR` (or `TB`, `BT`, `RL`);
/// - `s` alone (declares a state) and `state "description" as s` (a description without quotes);
/// - `classDef name property:value,property:value` and `class s, t name`, whose class must be defined
///   by a `classDef` and whose states must exist.
enum MermaidStateDiagram {
    static let id = "[A-Za-z_][A-Za-z0-9_]*"
    /// Words Mermaid's lexer (case-insensitive) reads as keywords before it tries an id, so a state
    /// named like them, or starting with `default`, is not an id.
    static let keywords: Set<String> = ["state", "note", "direction", "classdef", "class", "end", "as", "scale", "hide"]

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
        var states = Set<String>()
        var classes = Set<String>()
        var classUses: [(ids: [String], name: String)] = []
        for line in lines.dropFirst() {
            guard let statement = Statement(line) else {
                problems.append("not a stateDiagram-v2 statement: \(line)")
                continue
            }
            switch statement {
            case .states(let ids): states.formUnion(ids)
            case .classDefinition(let name): classes.insert(name)
            case .classUse(let ids, let name): classUses.append((ids, name))
            }
        }
        for state in states where keywords.contains(state.lowercased()) || state.lowercased().hasPrefix("default") {
            problems.append("'\(state)' is a keyword, not a state id")
        }
        for use in classUses {
            if !classes.contains(use.name) { problems.append("class '\(use.name)' has no classDef") }
            for id in use.ids where !states.contains(id) { problems.append("class names an unknown state '\(id)'") }
        }
        return problems
    }

    /// What a statement declares or uses.
    enum Statement {
        case states([String])
        case classDefinition(String)
        case classUse([String], String)

        init?(_ line: String) {
            let id = MermaidStateDiagram.id
            let label = "[^:;#{}<>\"]+"
            let style = "[a-z-]+:[^,;:]+"
            func match(_ pattern: String) -> [String]? {
                guard let regex = try? NSRegularExpression(pattern: "^    " + pattern + "$"),
                    let found = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line))
                else { return nil }
                return (1..<found.numberOfRanges).map {
                    Range(found.range(at: $0), in: line).map { String(line[$0]) } ?? ""
                }
            }
            if let groups = match("\\[\\*\\] --> (\(id))") ?? match("(\(id)) --> \\[\\*\\]") ?? match("(\(id))") {
                self = .states(groups)
            } else if let groups = match("(\(id)) --> (\(id))") ?? match("(\(id)) --> (\(id)) : \(label)") {
                self = .states(groups)
            } else if match("direction (?:LR|RL|TB|BT)") != nil {
                self = .states([])
            } else if let groups = match("state \"[^\"]+\" as (\(id))") {
                self = .states(groups)
            } else if let groups = match("classDef (\(id)) \(style)(?:,\(style))*") {
                self = .classDefinition(groups[0])
            } else if let groups = match("class ((?:\(id), ?)*\(id)) (\(id))") {
                self = .classUse(groups[0].components(separatedBy: ",").map { $0.trimmingCharacters(in: .whitespaces) }, groups[1])
            } else {
                return nil
            }
        }
    }
}
