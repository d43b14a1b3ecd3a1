// Public data model of the strict Liquid-subset template engine.
//
// Positions: lines and columns are 1-based and count Swift `Character`s
// (extended grapheme clusters). A tab or an emoji is one column, and "\r\n"
// is a single line break. Every position reported by this engine follows
// that rule, so parse errors, render errors and `check` results agree.

/// A value in the render context (JSON-like data the prompt template reads).
public enum TemplateValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case list([TemplateValue])
    case map([String: TemplateValue])
}

/// The shape of the render context, for the static `Template.check(against:)`.
public indirect enum TemplateSchema: Sendable, Equatable {
    /// A leaf: string, int, bool, possibly null.
    case scalar
    /// A list whose elements all have the given schema.
    case list(TemplateSchema)
    /// A map with exactly these keys.
    case map([String: TemplateSchema])
}

/// A parse or render problem, located in the template source.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case parse = "template_parse_error"
        case render = "template_render_error"
    }

    public var kind: Kind
    /// One line, e.g. "unknown variable 'issue.titel' (did you mean 'issue.title'?)".
    public var message: String
    /// 1-based line within the template source.
    public var line: Int
    /// 1-based column (in `Character`s) of the offending token.
    public var column: Int

    public init(kind: Kind, message: String, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        "\(kind.rawValue) at \(line):\(column): \(message)"
    }
}

/// One variable path read by a template, rooted at a top-level context name.
public struct TemplateVariableUse: Sendable, Equatable {
    public var path: [String]
    public var line: Int
    public var column: Int

    public init(path: [String], line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }
}

// Literal conformances keep contexts readable at call sites and in tests.
extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        // Later duplicates win instead of trapping, as JSON decoders usually do.
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// A source position (see the column rule at the top of this file).
struct LiquidPosition: Sendable, Equatable, Comparable, CustomStringConvertible {
    var line: Int
    var column: Int

    static func < (lhs: LiquidPosition, rhs: LiquidPosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    var description: String { "\(line):\(column)" }
}

extension TemplateError {
    static func parse(_ message: String, at position: LiquidPosition) -> TemplateError {
        TemplateError(kind: .parse, message: message, line: position.line, column: position.column)
    }

    static func render(_ message: String, at position: LiquidPosition) -> TemplateError {
        TemplateError(kind: .render, message: message, line: position.line, column: position.column)
    }
}
