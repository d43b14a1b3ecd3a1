// Static check of a parsed template against a schema, without data. It
// mirrors the renderer's lookup rules so that a template that checks clean
// cannot fail at render time with "unknown variable".

struct LiquidChecker {
    /// What a name or path is known to be; `unknown` follows an earlier error
    /// and accepts everything, so one mistake is not reported again downstream.
    private enum Resolution {
        case known(TemplateSchema)
        case unknown
    }

    private static let forloopSchema = TemplateSchema.map([
        "index": .scalar, "index0": .scalar, "rindex": .scalar, "rindex0": .scalar,
        "first": .scalar, "last": .scalar, "length": .scalar,
    ])

    let schema: [String: TemplateSchema]
    private var scopes: [[String: Resolution]] = []
    private(set) var problems: [TemplateError] = []

    init(schema: [String: TemplateSchema]) {
        self.schema = schema
    }

    mutating func check(_ nodes: [LiquidNode]) {
        for node in nodes {
            switch node {
            case .text:
                break
            case .output(let output):
                checkOutput(output)
            case .conditional(let conditional):
                for branch in conditional.branches {
                    checkCondition(branch.condition)
                    check(branch.body)
                }
                check(conditional.elseBody)
            case .forLoop(let loop):
                checkLoop(loop)
            }
        }
    }

    private mutating func checkOutput(_ output: LiquidOutput) {
        let resolution = resolve(output.value)
        // Only a bare map is certain to fail; filters may turn it into text.
        if output.filters.isEmpty, case .known(let schema) = resolution, Self.containsMap(schema) {
            problems.append(.render("cannot render a map '\(output.source)'", at: output.value.position))
        }
        for filter in output.filters {
            for argument in filter.arguments { _ = resolve(argument) }
        }
    }

    private static func containsMap(_ schema: TemplateSchema) -> Bool {
        switch schema {
        case .scalar: false
        case .map: true
        case .list(let element): containsMap(element)
        }
    }

    private mutating func checkLoop(_ loop: LiquidForLoop) {
        var element = Resolution.unknown
        if case .known(let collection) = resolve(loop.collection) {
            if case .list(let schema) = collection {
                element = .known(schema)
            } else {
                problems.append(.render("'\(loop.collection.display)' is not a list", at: loop.collection.position))
            }
        }
        var scope: [String: Resolution] = ["forloop": .known(Self.forloopSchema)]
        scope[loop.variable] = element
        scopes.append(scope)
        check(loop.body)
        scopes.removeLast()
        check(loop.elseBody)
    }

    /// Both sides are checked even where rendering would short-circuit.
    private mutating func checkCondition(_ condition: LiquidCondition) {
        switch condition {
        case .truthy(let expression):
            _ = resolve(expression)
        case .compare(let left, _, let right, _):
            _ = resolve(left)
            _ = resolve(right)
        case .and(let left, let right), .or(let left, let right):
            checkCondition(left)
            checkCondition(right)
        }
    }

    private mutating func resolve(_ expression: LiquidExpression) -> Resolution {
        guard case .path(let path) = expression else { return .known(.scalar) }
        return resolve(path)
    }

    private mutating func resolve(_ path: LiquidPath) -> Resolution {
        var current: Resolution
        if let scoped = scopes.last(where: { $0[path.root] != nil })?[path.root] {
            current = scoped
        } else if let top = schema[path.root] {
            current = .known(top)
        } else {
            let names = Set(schema.keys).union(scopes.flatMap(\.keys))
            problems.append(
                LiquidSuggestion.unknownVariable(
                    path.root, parent: nil, key: path.root, candidates: names, at: path.position))
            return .unknown
        }
        for (offset, segment) in path.segments.enumerated() {
            guard case .known(let schema) = current else { return .unknown }
            let written = path.display(upTo: offset + 1)
            switch (segment, schema) {
            case (.key(let key), .map(let members)):
                guard let member = members[key] else {
                    problems.append(
                        LiquidSuggestion.unknownVariable(
                            written, parent: path.display(upTo: offset), key: key,
                            candidates: members.keys, at: path.position))
                    return .unknown
                }
                current = .known(member)
            case (.index, .list(let element)):
                current = .known(element)
            default:
                problems.append(.render("unknown variable '\(written)'", at: path.position))
                return .unknown
            }
        }
        return current
    }
}
