// Value semantics shared by the renderer and filters: truthiness, text
// conversion and comparisons, following Liquid where it is well defined.

extension TemplateValue {
    /// Liquid truthiness: only `false` and `nil` are falsy ("" and 0 are truthy).
    var isTruthy: Bool {
        switch self {
        case .null, .bool(false): false
        default: true
        }
    }

    /// What `empty` and the `default` filter consider empty.
    var isEmptyCollection: Bool {
        switch self {
        case .string(let text): text.isEmpty
        case .list(let items): items.isEmpty
        case .map(let entries): entries.isEmpty
        default: false
        }
    }

    var typeName: String {
        switch self {
        case .null: "nil"
        case .bool: "bool"
        case .int: "int"
        case .string: "string"
        case .list: "list"
        case .map: "map"
        }
    }
}

enum LiquidValues {
    /// Text form of a value; nil when it contains a map, which has no text form.
    /// Lists render their elements concatenated, as Liquid does.
    static func text(_ value: TemplateValue) -> String? {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .string(let text): return text
        case .map: return nil
        case .list(let items):
            var result = ""
            for item in items {
                guard let text = text(item) else { return nil }
                result += text
            }
            return result
        }
    }

    static func compare(
        _ left: TemplateValue, _ op: LiquidOperator, _ right: TemplateValue, at position: LiquidPosition
    ) throws(TemplateError) -> Bool {
        switch op {
        case .equal: return left == right
        case .notEqual: return left != right
        case .contains: return contains(left, right)
        case .less, .greater, .lessOrEqual, .greaterOrEqual: break
        }
        switch (left, right) {
        case (.int(let a), .int(let b)): return ordered(a, b, op)
        case (.string(let a), .string(let b)): return ordered(a, b, op)
        case (.int, .string), (.string, .int):
            // Liquid raises here too; silently answering would hide a template bug.
            throw .render("cannot compare \(left.typeName) with \(right.typeName) using '\(op.rawValue)'", at: position)
        default:
            // Liquid answers nil (falsy) for nil, bools, lists and maps.
            return false
        }
    }

    /// `x == empty` / `x != empty`; ordering against `empty` is always false.
    static func compareWithEmpty(_ value: TemplateValue, _ op: LiquidOperator) -> Bool {
        switch op {
        case .equal: value.isEmptyCollection
        case .notEqual: !value.isEmptyCollection
        default: false
        }
    }

    private static func ordered<T: Comparable>(_ a: T, _ b: T, _ op: LiquidOperator) -> Bool {
        switch op {
        case .less: a < b
        case .greater: a > b
        case .lessOrEqual: a <= b
        case .greaterOrEqual: a >= b
        default: false
        }
    }

    /// String contains substring, list contains element, map contains key.
    private static func contains(_ haystack: TemplateValue, _ needle: TemplateValue) -> Bool {
        switch haystack {
        case .string(let string):
            guard needle != .null, let part = text(needle) else { return false }
            return part.isEmpty || string.contains(part)
        case .list(let items):
            return items.contains(needle)
        case .map(let entries):
            guard case .string(let key) = needle else { return false }
            return entries[key] != nil
        default:
            return false
        }
    }
}

/// "Did you mean" hints and the shared unknown-variable error.
enum LiquidSuggestion {
    /// The closest candidate within edit distance 2 (ties: alphabetical).
    static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let distance = editDistance(word, candidate)
            // Distance must stay below the word length, or "x" would suggest "id".
            guard distance <= 2, distance < word.count else { continue }
            if let current = best, (current.distance, current.name) <= (distance, candidate) { continue }
            best = (candidate, distance)
        }
        return best?.name
    }

    static func hint(for word: String, among candidates: some Sequence<String>, prefix: String = "") -> String {
        guard let match = closest(to: word, among: candidates) else { return "" }
        return " (did you mean '\(prefix)\(match)'?)"
    }

    /// `unknown variable 'issue.titel' (did you mean 'issue.title'?)`.
    static func unknownVariable(
        _ written: String, parent: String?, key: String,
        candidates: some Sequence<String>, at position: LiquidPosition
    ) -> TemplateError {
        let prefix = parent.map { "\($0)." } ?? ""
        let hint = hint(for: key, among: candidates, prefix: prefix)
        return .render("unknown variable '\(written)'\(hint)", at: position)
    }

    /// Optimal string alignment distance: a swap of neighbours ("titel") costs 1.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, table[i - 2][j - 2] + 1)
                }
                table[i][j] = value
            }
        }
        return table[a.count][b.count]
    }
}
