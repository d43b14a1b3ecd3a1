// Parses the tokens of one markup into values, filter chains and conditions.

struct LiquidExpressionParser: Sendable {
    private let tokens: [LiquidToken]
    private var index: Int
    /// Just past the markup content: where "expected ..." errors point at the end.
    private let end: LiquidPosition

    init(tokens: [LiquidToken], startIndex: Int = 0, end: LiquidPosition) {
        self.tokens = tokens
        self.index = startIndex
        self.end = end
    }

    var isAtEnd: Bool { index >= tokens.count }

    /// Position of the next token, or the end of the markup.
    var currentPosition: LiquidPosition { peek()?.position ?? end }

    func peek() -> LiquidToken? {
        index < tokens.count ? tokens[index] : nil
    }

    mutating func next() -> LiquidToken? {
        defer { index += 1 }
        return peek()
    }

    mutating func expectEnd(in context: String) throws(TemplateError) {
        if let token = peek() {
            throw .parse("unexpected \(token.display) in \(context)", at: token.position)
        }
    }

    // MARK: Values

    mutating func parseValue() throws(TemplateError) -> LiquidExpression {
        guard let token = next() else { throw .parse("expected a value", at: end) }
        switch token.kind {
        case .string(let value):
            return .literal(.string(value), token.position)
        case .integer(let value):
            return .literal(.int(value), token.position)
        case .identifier(let name):
            // Keywords are only keywords when used bare (`true`, not `true.x`).
            let continues = peek()?.kind == .dot || peek()?.kind == .openBracket
            if !continues, let keyword = Self.keyword(name, at: token.position) {
                return keyword
            }
            return .path(try parsePath(root: name, at: token.position))
        default:
            throw .parse("expected a value but found \(token.display)", at: token.position)
        }
    }

    private static func keyword(_ name: String, at position: LiquidPosition) -> LiquidExpression? {
        switch name {
        case "true": .literal(.bool(true), position)
        case "false": .literal(.bool(false), position)
        case "nil", "null": .literal(.null, position)
        case "empty": .empty(position)
        default: nil
        }
    }

    private mutating func parsePath(root: String, at position: LiquidPosition) throws(TemplateError) -> LiquidPath {
        var segments: [LiquidPathSegment] = []
        while let token = peek() {
            if token.kind == .dot {
                index += 1
                guard let member = next(), case .identifier(let name) = member.kind else {
                    throw .parse("expected a name after '.'", at: token.position)
                }
                segments.append(.key(name))
            } else if token.kind == .openBracket {
                index += 1
                segments.append(try parseSubscript(openedAt: token.position))
            } else {
                break
            }
        }
        return LiquidPath(root: root, segments: segments, position: position)
    }

    /// `[0]`, `[-1]` or `["key"]`.
    private mutating func parseSubscript(openedAt position: LiquidPosition) throws(TemplateError) -> LiquidPathSegment {
        let segment: LiquidPathSegment
        switch next()?.kind {
        case .integer(let value): segment = .index(value)
        case .string(let key): segment = .key(key)
        default: throw .parse("expected an integer index or a quoted key after '['", at: position)
        }
        guard next()?.kind == .closeBracket else {
            throw .parse("expected ']' to close '[' at \(position)", at: position)
        }
        return segment
    }

    // MARK: Filters

    mutating func parseFilters() throws(TemplateError) -> [LiquidFilterCall] {
        var filters: [LiquidFilterCall] = []
        while let pipe = peek(), pipe.kind == .pipe {
            index += 1
            guard let token = next(), case .identifier(let name) = token.kind else {
                throw .parse("expected a filter name after '|'", at: pipe.position)
            }
            guard let arity = LiquidFilters.arity[name] else {
                let hint = LiquidSuggestion.hint(for: name, among: LiquidFilters.arity.keys)
                throw .parse("unknown filter '\(name)'\(hint)", at: token.position)
            }
            var arguments: [LiquidExpression] = []
            if peek()?.kind == .colon {
                index += 1
                arguments.append(try parseValue())
                while peek()?.kind == .comma {
                    index += 1
                    arguments.append(try parseValue())
                }
            }
            guard arity.contains(arguments.count) else {
                throw .parse(
                    "filter '\(name)' expects \(Self.describe(arity)), got \(arguments.count)",
                    at: token.position)
            }
            filters.append(LiquidFilterCall(name: name, arguments: arguments, position: token.position))
        }
        return filters
    }

    private static func describe(_ arity: ClosedRange<Int>) -> String {
        let count =
            arity.lowerBound == arity.upperBound
            ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
        return "\(count) argument\(arity.upperBound == 1 ? "" : "s")"
    }

    // MARK: Conditions

    /// Liquid has no precedence and no parentheses: `a or b and c` groups from
    /// the right, i.e. `a or (b and c)`, and `a and b or c` is `a and (b or c)`.
    mutating func parseCondition() throws(TemplateError) -> LiquidCondition {
        var comparisons = [try parseComparison()]
        var joiners: [String] = []
        while let token = peek(), case .identifier(let word) = token.kind, word == "and" || word == "or" {
            index += 1
            joiners.append(word)
            comparisons.append(try parseComparison())
        }
        var result = comparisons.removeLast()
        while let left = comparisons.popLast(), let joiner = joiners.popLast() {
            result = joiner == "and" ? .and(left, result) : .or(left, result)
        }
        return result
    }

    private mutating func parseComparison() throws(TemplateError) -> LiquidCondition {
        let left = try parseValue()
        guard let token = peek() else { return .truthy(left) }
        let op: LiquidOperator
        switch token.kind {
        case .comparison(let symbol):
            guard let parsed = LiquidOperator(rawValue: symbol) else { return .truthy(left) }
            op = parsed
        case .identifier("contains"):
            op = .contains
        default:
            return .truthy(left)
        }
        index += 1
        let right = try parseValue()
        return .compare(left, op, right, token.position)
    }
}
