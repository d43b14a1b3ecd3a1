// The parsed form of a template. Everything keeps its source position so
// render-time and check-time errors can point at the offending token.

enum LiquidPathSegment: Sendable, Equatable {
    case key(String)
    /// `[0]`; negative indexes count from the end, as in Liquid.
    case index(Int)
}

/// A variable reference such as `issue.blocked_by[0].identifier`.
struct LiquidPath: Sendable {
    var root: String
    var segments: [LiquidPathSegment]
    /// Position of the root name: all errors about the path point here.
    var position: LiquidPosition

    /// The path as written, truncated after `count` segments, for messages.
    func display(upTo count: Int) -> String {
        var text = root
        for segment in segments.prefix(count) {
            switch segment {
            case .key(let key): text += ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    var display: String { display(upTo: segments.count) }

    /// The member names only (indexes dropped), as reported in `variableUses`.
    var keys: [String] {
        segments.compactMap { segment in
            if case .key(let key) = segment { key } else { nil }
        }
    }
}

enum LiquidExpression: Sendable {
    case literal(TemplateValue, LiquidPosition)
    /// The `empty` keyword: equal to "", [] and {}.
    case empty(LiquidPosition)
    case path(LiquidPath)

    var position: LiquidPosition {
        switch self {
        case .literal(_, let position), .empty(let position): position
        case .path(let path): path.position
        }
    }
}

struct LiquidFilterCall: Sendable {
    var name: String
    var arguments: [LiquidExpression]
    /// Position of the filter name.
    var position: LiquidPosition
}

struct LiquidOutput: Sendable {
    var value: LiquidExpression
    var filters: [LiquidFilterCall]
    /// Trimmed markup text, quoted in "cannot render a map" messages.
    var source: String
}

enum LiquidOperator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case greater = ">"
    case lessOrEqual = "<="
    case greaterOrEqual = ">="
    case contains
}

indirect enum LiquidCondition: Sendable {
    case truthy(LiquidExpression)
    /// The position is the operator's, where comparison errors point.
    case compare(LiquidExpression, LiquidOperator, LiquidExpression, LiquidPosition)
    case and(LiquidCondition, LiquidCondition)
    case or(LiquidCondition, LiquidCondition)
}

struct LiquidBranch: Sendable {
    var condition: LiquidCondition
    /// True for the first branch of `unless`.
    var negated: Bool
    var body: [LiquidNode]
}

/// `if`/`unless` with their `elsif` branches and optional `else`.
struct LiquidConditional: Sendable {
    var branches: [LiquidBranch]
    var elseBody: [LiquidNode]
}

struct LiquidForLoop: Sendable {
    var variable: String
    var collection: LiquidPath
    var body: [LiquidNode]
    /// Rendered when the collection is empty.
    var elseBody: [LiquidNode]
}

enum LiquidNode: Sendable {
    case text(String)
    case output(LiquidOutput)
    case conditional(LiquidConditional)
    case forLoop(LiquidForLoop)
}
