import Foundation
import Yams

/// Reads typed values out of the front matter's YAML nodes, collecting diagnostics with positions.
struct ConfigReader {
    let root: Node?
    let file: String
    /// Added to a YAML line to get the WORKFLOW.md line.
    let lineOffset: Int
    let environment: [String: String]
    private(set) var diagnostics: [WorkflowDiagnostic] = []

    init(root: Node?, file: String, lineOffset: Int, environment: [String: String]) {
        self.root = root
        self.file = file
        self.lineOffset = lineOffset
        self.environment = environment
    }

    // MARK: - Navigation

    /// The value node at a dotted path, or `nil` when any part is missing.
    func node(_ path: String) -> Node? {
        var current = root
        for part in path.split(separator: ".") {
            guard let mapping = current?.mapping else { return nil }
            current = mapping.first { $0.key.string == String(part) }?.value
        }
        return current
    }

    /// The key node at a dotted path, for pointing at a key rather than its value.
    func keyNode(_ path: String) -> Node? {
        let parts = path.split(separator: ".").map(String.init)
        guard let last = parts.last else { return nil }
        let parent = parts.count == 1 ? root : node(parts.dropLast().joined(separator: "."))
        return parent?.mapping?.first { $0.key.string == last }?.key
    }

    /// The file position of a node (1-based), or the top of the front matter.
    func position(of node: Node?) -> (line: Int, column: Int) {
        guard let mark = node?.mark else { return (lineOffset + 1, 1) }
        return (mark.line + lineOffset, mark.column)
    }

    // MARK: - Diagnostics

    mutating func report(
        _ code: WorkflowErrorCode, _ message: String, hint: String, at node: Node?,
        severity: WorkflowDiagnostic.Severity = .error
    ) {
        let (line, column) = position(of: node)
        diagnostics.append(
            WorkflowDiagnostic(code, message, hint: hint, file: file, line: line, column: column, severity: severity))
    }

    private mutating func invalid(_ path: String, _ node: Node, expected: String) {
        report(
            .invalidConfigValue, "\(path) must be \(expected), got \(describe(node))",
            hint: "set \(path) to \(expected), or remove it to use the default", at: node)
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): node.null != nil ? "null" : "'\(scalar.string)'"
        case .mapping: "a map"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private func isNull(_ node: Node?) -> Bool {
        guard let node else { return true }
        return node.scalar != nil && node.null != nil && node.scalar?.style == .plain
    }

    // MARK: - Typed reads

    mutating func string(_ path: String, default fallback: String?) -> String? {
        guard let node = node(path), !isNull(node) else { return fallback }
        guard let scalar = node.scalar else {
            invalid(path, node, expected: "a string")
            return fallback
        }
        return scalar.string
    }

    mutating func int(_ path: String, default fallback: Int, expected: String, valid: (Int) -> Bool) -> Int {
        guard let node = node(path), !isNull(node) else { return fallback }
        guard let value = node.int ?? node.scalar.flatMap({ Int($0.string) }), valid(value) else {
            invalid(path, node, expected: expected)
            return fallback
        }
        if node.scalar?.style != .plain {
            report(
                .invalidConfigValue, "\(path) is a quoted integer", hint: "write \(value) without quotes", at: node,
                severity: .warning)
        }
        return value
    }

    mutating func bool(_ path: String, default fallback: Bool) -> Bool {
        guard let node = node(path), !isNull(node) else { return fallback }
        guard let value = node.bool else {
            invalid(path, node, expected: "true or false")
            return fallback
        }
        return value
    }

    /// A list of non-blank strings; a comma-separated string is accepted with a warning.
    mutating func stringList(_ path: String, default fallback: [String]) -> [String] {
        guard let node = node(path), !isNull(node) else { return fallback }
        if let scalar = node.scalar {
            report(
                .invalidConfigValue, "\(path) is a comma-separated string",
                hint: "write a YAML list, e.g. [\(scalar.string)]", at: node, severity: .warning)
            return scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        guard let items = node.sequence else {
            invalid(path, node, expected: "a list of strings")
            return fallback
        }
        var values: [String] = []
        for item in items {
            guard let text = item.scalar?.string, !isNull(item) else {
                invalid(path, item, expected: "a list of strings")
                continue
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { values.append(trimmed) }
        }
        return values
    }

    /// A map converted to ``ConfigValue``s, each with its node for positions.
    mutating func map(_ path: String) -> [String: (value: ConfigValue, node: Node)]? {
        guard let node = node(path), !isNull(node) else { return nil }
        guard let mapping = node.mapping else {
            invalid(path, node, expected: "a map")
            return nil
        }
        var result: [String: (value: ConfigValue, node: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            result[name] = (configValue(value), value)
        }
        return result
    }

    func configValue(_ node: Node) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return .null }
            if scalar.style == .plain {
                if let value = node.int { return .int(value) }
                if let value = node.bool { return .bool(value) }
                if let value = node.float { return .double(value) }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var result: [String: ConfigValue] = [:]
            for (key, value) in mapping { result[key.string ?? ""] = configValue(value) }
            return .map(result)
        case .sequence(let sequence):
            return .list(sequence.map(configValue))
        case .alias:
            return .null
        }
    }

    // MARK: - Environment and paths

    /// The variable name when `text` is exactly `$NAME` or `${NAME}`.
    static func variableName(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("$") else { return nil }
        var name = trimmed.dropFirst()
        if name.hasPrefix("{"), name.hasSuffix("}") { name = name.dropFirst().dropLast() }
        guard let first = name.first, first.isLetter || first == "_",
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else { return nil }
        return String(name)
    }

    /// Resolves `$VAR` and `~`, then makes the path absolute against `base`.
    mutating func path(_ path: String, default fallback: String, base: String) -> String {
        guard var text = string(path, default: nil) else { return fallback }
        if let name = Self.variableName(text) {
            guard let value = environment[name], !value.isEmpty else {
                report(
                    .unsetEnvironmentVariable, "\(path) refers to $\(name), which is not set",
                    hint: "export \(name) or write the path directly", at: node(path))
                return fallback
            }
            text = value
        }
        if text == "~" || text.hasPrefix("~/") {
            let home = environment["HOME"] ?? NSHomeDirectory()
            text = home + text.dropFirst()
        }
        if !text.hasPrefix("/") { text = base + "/" + text }
        return URL(fileURLWithPath: text).standardizedFileURL.path
    }
}
