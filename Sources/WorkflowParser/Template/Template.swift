// Public entry point of the strict Liquid-subset template engine.
//
// Supported: `{{ value | filter: arg, ... }}`; tags if/elsif/else/endif,
// unless/elsif/else/endunless, for/else/endfor (with `forloop`), comment,
// raw, inline `{% # note %}`; whitespace control with `{{- -}}` / `{%- -%}`.
// Filters: default upcase downcase capitalize strip join size first last
// truncate append prepend replace. See the other files in this folder.

/// A parsed template; parse once, render or check many times.
public struct Template: Sendable {
    private let nodes: [LiquidNode]

    /// Every variable path read, in source order. Paths rooted at a loop
    /// variable are rewritten onto the loop's collection (`b.identifier` in
    /// `for b in issue.blocked_by` reads `issue.blocked_by.identifier`);
    /// `forloop.*` and `[n]` indexes are left out.
    public let variableUses: [TemplateVariableUse]

    public init(parsing source: String) throws(TemplateError) {
        var lexer = LiquidLexer(source: source)
        var parser = LiquidParser(segments: try lexer.lex())
        nodes = try parser.parseDocument()
        var collector = LiquidUseCollector()
        collector.collect(nodes)
        variableUses = collector.uses
    }

    /// Renders strictly: a missing variable or key throws a `.render` error.
    public func render(_ context: [String: TemplateValue]) throws(TemplateError) -> String {
        var renderer = LiquidRenderer(context: context)
        try renderer.render(nodes)
        return renderer.output
    }

    /// Every problem found against `schema`, sorted by position; empty when ok.
    public func check(against schema: [String: TemplateSchema]) -> [TemplateError] {
        var checker = LiquidChecker(schema: schema)
        checker.check(nodes)
        return checker.problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }
}

/// Collects `Template.variableUses`.
struct LiquidUseCollector {
    /// A loop variable stands for its collection's path, or for nothing (`forloop`).
    private enum Binding {
        case path([String])
        case hidden
    }

    private var scopes: [[String: Binding]] = []
    private(set) var uses: [TemplateVariableUse] = []

    mutating func collect(_ nodes: [LiquidNode]) {
        for node in nodes {
            switch node {
            case .text:
                break
            case .output(let output):
                record(output.value)
                for filter in output.filters { filter.arguments.forEach { record($0) } }
            case .conditional(let conditional):
                for branch in conditional.branches {
                    record(branch.condition)
                    collect(branch.body)
                }
                collect(conditional.elseBody)
            case .forLoop(let loop):
                let collection = record(loop.collection)
                var scope: [String: Binding] = ["forloop": .hidden]
                scope[loop.variable] = collection.map(Binding.path) ?? .hidden
                scopes.append(scope)
                collect(loop.body)
                scopes.removeLast()
                collect(loop.elseBody)
            }
        }
    }

    private mutating func record(_ condition: LiquidCondition) {
        switch condition {
        case .truthy(let expression):
            record(expression)
        case .compare(let left, _, let right, _):
            record(left)
            record(right)
        case .and(let left, let right), .or(let left, let right):
            record(left)
            record(right)
        }
    }

    private mutating func record(_ expression: LiquidExpression) {
        if case .path(let path) = expression { record(path) }
    }

    /// Records the resolved path and returns it (nil when hidden).
    @discardableResult
    private mutating func record(_ path: LiquidPath) -> [String]? {
        let full: [String]
        switch scopes.last(where: { $0[path.root] != nil })?[path.root] {
        case .hidden: return nil
        case .path(let prefix): full = prefix + path.keys
        case nil: full = [path.root] + path.keys
        }
        uses.append(TemplateVariableUse(path: full, line: path.position.line, column: path.position.column))
        return full
    }
}
