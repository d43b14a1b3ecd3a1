// Renders parsed nodes against a context. Strict: every missing name or key
// throws, so a typo in a prompt template never silently renders as "".

struct LiquidRenderer {
    let context: [String: TemplateValue]
    /// Loop scopes, innermost last; each binds the loop variable and `forloop`.
    private var scopes: [[String: TemplateValue]] = []
    private(set) var output = ""

    init(context: [String: TemplateValue]) {
        self.context = context
    }

    mutating func render(_ nodes: [LiquidNode]) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let text): output += text
            case .output(let value): output += try renderOutput(value)
            case .conditional(let conditional): try renderConditional(conditional)
            case .forLoop(let loop): try renderLoop(loop)
            }
        }
    }

    private func renderOutput(_ node: LiquidOutput) throws(TemplateError) -> String {
        var value = try evaluate(node.value)
        for filter in node.filters {
            var arguments: [TemplateValue] = []
            for argument in filter.arguments { arguments.append(try evaluate(argument)) }
            value = try LiquidFilters.apply(filter.name, to: value, arguments: arguments, at: filter.position)
        }
        guard let text = LiquidValues.text(value) else {
            throw .render("cannot render a map '\(node.source)'", at: node.value.position)
        }
        return text
    }

    private mutating func renderConditional(_ conditional: LiquidConditional) throws(TemplateError) {
        for branch in conditional.branches where try test(branch.condition) != branch.negated {
            try render(branch.body)
            return
        }
        try render(conditional.elseBody)
    }

    /// A nil collection renders like an empty one (the `else` branch), matching
    /// how a present-but-null key renders ""; any other non-list is an error.
    private mutating func renderLoop(_ loop: LiquidForLoop) throws(TemplateError) {
        let items: [TemplateValue]
        switch try resolve(loop.collection) {
        case .list(let values): items = values
        case .null: items = []
        default: throw .render("'\(loop.collection.display)' is not a list", at: loop.collection.position)
        }
        if items.isEmpty {
            try render(loop.elseBody)
            return
        }
        for (offset, item) in items.enumerated() {
            var scope: [String: TemplateValue] = ["forloop": Self.forloop(offset, of: items.count)]
            scope[loop.variable] = item
            scopes.append(scope)
            try render(loop.body)
            scopes.removeLast()
        }
    }

    private static func forloop(_ offset: Int, of count: Int) -> TemplateValue {
        .map([
            "index": .int(offset + 1),
            "index0": .int(offset),
            "rindex": .int(count - offset),
            "rindex0": .int(count - offset - 1),
            "first": .bool(offset == 0),
            "last": .bool(offset == count - 1),
            "length": .int(count),
        ])
    }

    // MARK: Expressions

    /// `and`/`or` short-circuit as in Liquid, so `x and x.name` can guard a nil `x`.
    private func test(_ condition: LiquidCondition) throws(TemplateError) -> Bool {
        switch condition {
        case .truthy(let expression):
            return try evaluate(expression).isTruthy
        case .and(let left, let right):
            guard try test(left) else { return false }
            return try test(right)
        case .or(let left, let right):
            if try test(left) { return true }
            return try test(right)
        case .compare(let left, let op, let right, let position):
            if case .empty = right { return LiquidValues.compareWithEmpty(try evaluate(left), op) }
            if case .empty = left, op == .equal || op == .notEqual {
                return LiquidValues.compareWithEmpty(try evaluate(right), op)
            }
            return try LiquidValues.compare(try evaluate(left), op, try evaluate(right), at: position)
        }
    }

    private func evaluate(_ expression: LiquidExpression) throws(TemplateError) -> TemplateValue {
        switch expression {
        case .literal(let value, _): value
        case .empty: .string("")
        case .path(let path): try resolve(path)
        }
    }

    private func resolve(_ path: LiquidPath) throws(TemplateError) -> TemplateValue {
        var value: TemplateValue
        if let scoped = scopes.last(where: { $0[path.root] != nil })?[path.root] {
            value = scoped
        } else if let top = context[path.root] {
            value = top
        } else {
            let names = Set(context.keys).union(scopes.flatMap(\.keys))
            throw LiquidSuggestion.unknownVariable(
                path.root, parent: nil, key: path.root, candidates: names, at: path.position)
        }
        for (offset, segment) in path.segments.enumerated() {
            let parent = path.display(upTo: offset)
            let written = path.display(upTo: offset + 1)
            switch (segment, value) {
            case (.key(let key), .map(let entries)):
                guard let next = entries[key] else {
                    throw LiquidSuggestion.unknownVariable(
                        written, parent: parent, key: key, candidates: entries.keys, at: path.position)
                }
                value = next
            case (.key, .null):
                throw .render("unknown variable '\(written)' ('\(parent)' is nil)", at: path.position)
            case (.index(let index), .list(let items)):
                // Out-of-range indexes read as nil, like `first` on an empty list.
                let resolved = index < 0 ? items.count + index : index
                value = items.indices.contains(resolved) ? items[resolved] : .null
            default:
                throw .render("unknown variable '\(written)'", at: path.position)
            }
        }
        return value
    }
}
