import Testing

@testable import WorkflowParser

private let context: [String: TemplateValue] = [
    "issue": ["title": "Fix login", "state": "Todo", "priority": 2, "assignee": .null, "labels": ["a"]]
]

private func parseError(_ source: String) -> TemplateError? {
    do {
        _ = try Template(parsing: source)
        return nil
    } catch {
        return error
    }
}

private func renderError(_ source: String) throws -> TemplateError? {
    let template = try Template(parsing: source)
    do {
        _ = try template.render(context)
        return nil
    } catch {
        return error
    }
}

/// Compares kind, message and position in one readable expectation.
private func expectError(
    _ error: TemplateError?, _ kind: TemplateError.Kind, _ message: String, line: Int, column: Int,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let expected = TemplateError(kind: kind, message: message, line: line, column: column)
    #expect(error == expected, sourceLocation: sourceLocation)
}

@Suite struct TemplateRenderErrorTests {
    @Test func unknownKeyWithHintOnTheRightLine() throws {
        let error = try renderError("Title: {{ issue.title }}\nState: {{ issue.stat }}\n")
        expectError(error, .render, "unknown variable 'issue.stat' (did you mean 'issue.state'?)", line: 2, column: 11)
    }

    @Test func unknownTopLevelVariable() throws {
        expectError(try renderError("{{ isue.title }}"), .render, "unknown variable 'isue' (did you mean 'issue'?)", line: 1, column: 4)
        expectError(try renderError("{{ zzz }}"), .render, "unknown variable 'zzz'", line: 1, column: 4)
    }

    @Test func nullIsNotMissing() throws {
        #expect(try Template(parsing: "[{{ issue.assignee }}]").render(context) == "[]")
        expectError(try renderError("{{ issue.reviewer }}"), .render, "unknown variable 'issue.reviewer'", line: 1, column: 4)
        expectError(
            try renderError("{{ issue.assignee.name }}"), .render,
            "unknown variable 'issue.assignee.name' ('issue.assignee' is nil)", line: 1, column: 4)
    }

    @Test func memberOfScalarIsUnknown() throws {
        expectError(try renderError("{{ issue.title.foo }}"), .render, "unknown variable 'issue.title.foo'", line: 1, column: 4)
        expectError(try renderError("{{ issue.labels.size }}"), .render, "unknown variable 'issue.labels.size'", line: 1, column: 4)
    }

    @Test func missingKeysThrowUnderDefaultAndInConditions() throws {
        expectError(try renderError("{{ issue.reviewer | default: 'x' }}"), .render, "unknown variable 'issue.reviewer'", line: 1, column: 4)
        let nested = "{% if true %}\n  {% if issue.missing %}x{% endif %}{% endif %}"
        expectError(try renderError(nested), .render, "unknown variable 'issue.missing'", line: 2, column: 9)
        let loop = "{% for l in issue.labels %}\n{{ l }}{{ l.name }}{% endfor %}"
        expectError(try renderError(loop), .render, "unknown variable 'l.name'", line: 2, column: 11)
    }

    @Test func mapsCannotBeRendered() throws {
        expectError(try renderError("x {{ issue }}"), .render, "cannot render a map 'issue'", line: 1, column: 6)
    }

    @Test func filtersRejectMapsAndBadLengths() throws {
        expectError(try renderError("{{ issue | upcase }}"), .render, "filter 'upcase' cannot use a map", line: 1, column: 12)
        expectError(
            try renderError("{{ issue.title | truncate: 'x' }}"), .render,
            "filter 'truncate' expects an integer length, got string", line: 1, column: 18)
    }

    @Test func iteratingNonListFails() throws {
        expectError(try renderError("{% for x in issue.title %}{% endfor %}"), .render, "'issue.title' is not a list", line: 1, column: 13)
    }

    @Test func orderingIntAgainstStringFails() throws {
        expectError(
            try renderError("{% if issue.priority < 'a' %}{% endif %}"), .render, "cannot compare int with string using '<'", line: 1, column: 22)
    }
}

@Suite struct TemplateParseErrorTests {
    @Test func unknownFilterPointsAtItsName() {
        let error = parseError("line one\n  {{ issue.title | upcas }}")
        expectError(error, .parse, "unknown filter 'upcas' (did you mean 'upcase'?)", line: 2, column: 20)
        expectError(parseError("{{ x | where: 'a' }}"), .parse, "unknown filter 'where'", line: 1, column: 8)
    }

    @Test func wrongArgumentCount() {
        expectError(parseError("{{ 'a' | replace: 'a' }}"), .parse, "filter 'replace' expects 2 arguments, got 1", line: 1, column: 10)
        expectError(parseError("{{ 'a' | upcase: 1 }}"), .parse, "filter 'upcase' expects 0 arguments, got 1", line: 1, column: 10)
        expectError(parseError("{{ 'a' | default }}"), .parse, "filter 'default' expects 1 argument, got 0", line: 1, column: 10)
    }

    @Test func unknownTagsPointAtTheirName() {
        expectError(parseError("a\n\n  {% assign x = 1 %}"), .parse, "unknown tag 'assign'", line: 3, column: 6)
        expectError(parseError("{%- foo -%}"), .parse, "unknown tag 'foo' (did you mean 'for'?)", line: 1, column: 5)
        expectError(parseError("{% endfi %}"), .parse, "unknown tag 'endfi' (did you mean 'endif'?)", line: 1, column: 4)
    }

    @Test func unclosedDelimiters() {
        expectError(parseError("Hello\n{{ issue.title"), .parse, "'{{' opened at 2:1 is never closed (expected '}}')", line: 2, column: 1)
        expectError(parseError("x {% if true }}"), .parse, "'{%' opened at 1:3 is never closed (expected '%}')", line: 1, column: 3)
        expectError(parseError("{{ \"abc }}"), .parse, "unterminated string literal", line: 1, column: 4)
    }

    @Test func unclosedBlocks() {
        let source = "line\n\n{% for b in issue.blocked_by %}\n{{ b.identifier }}\n"
        expectError(parseError(source), .parse, "'for' opened at 3:4 is never closed", line: 3, column: 4)
        expectError(parseError("{% if a %}{% else %}"), .parse, "'if' opened at 1:4 is never closed", line: 1, column: 4)
        expectError(parseError("{% comment %}x"), .parse, "'comment' opened at 1:4 is never closed", line: 1, column: 4)
        expectError(parseError("\n{% raw %}{{ x }}"), .parse, "'raw' opened at 2:4 is never closed", line: 2, column: 4)
    }

    @Test func strayAndMismatchedEndTags() {
        expectError(parseError("x {% endif %}"), .parse, "'endif' without matching 'if'", line: 1, column: 6)
        expectError(parseError("{% else %}"), .parse, "'else' outside of an 'if', 'unless' or 'for' block", line: 1, column: 4)
        expectError(parseError("{% if true %}{% endfor %}"), .parse, "unexpected 'endfor' inside 'if' opened at 1:4", line: 1, column: 17)
        expectError(
            parseError("{% for x in y %}{% elsif a %}{% endfor %}"), .parse, "unexpected 'elsif' inside 'for' opened at 1:4", line: 1, column: 20)
        expectError(
            parseError("{% if a %}{% else %}{% else %}{% endif %}"), .parse,
            "'else' after 'else' in 'if' opened at 1:4", line: 1, column: 24)
    }

    @Test func malformedTags() {
        expectError(parseError("{% if %}{% endif %}"), .parse, "'if' needs a condition", line: 1, column: 4)
        expectError(parseError("{% for x issue %}{% endfor %}"), .parse, "expected 'in' after 'x'", line: 1, column: 8)
        expectError(
            parseError("{% if a = b %}{% endif %}"), .parse, "unexpected '=' (use '==' to compare; 'assign' is not supported)", line: 1, column: 9)
        expectError(parseError("{{ issue.title issue }}"), .parse, "unexpected 'issue' in output", line: 1, column: 16)
        expectError(parseError("{% endif x %}"), .parse, "'endif' without matching 'if'", line: 1, column: 4)
        expectError(parseError("{% if a %}{% endif x %}"), .parse, "unexpected 'x' in 'endif' tag", line: 1, column: 20)
        expectError(parseError("a {{ }}"), .parse, "empty output tag", line: 1, column: 3)
    }

    @Test func columnsCountCharactersAndCRLFIsOneBreak() throws {
        expectError(try renderError("é😀 {{ nope }}"), .render, "unknown variable 'nope'", line: 1, column: 7)
        expectError(try renderError("a\r\n\tb {{ nope }}"), .render, "unknown variable 'nope'", line: 2, column: 7)
    }

    @Test func descriptionNamesKindAndPosition() {
        let error = parseError("\n {% widget %}")
        #expect(error?.description == "template_parse_error at 2:5: unknown tag 'widget'")
        #expect(error?.kind.rawValue == "template_parse_error")
    }
}
