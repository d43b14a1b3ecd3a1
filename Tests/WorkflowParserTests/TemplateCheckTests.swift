import Testing

@testable import WorkflowParser

private let schema: [String: TemplateSchema] = [
    "issue": .map([
        "identifier": .scalar,
        "title": .scalar,
        "state": .scalar,
        "assignee": .scalar,
        "labels": .list(.scalar),
        "blocked_by": .list(.map(["identifier": .scalar, "state": .scalar, "children": .list(.map(["name": .scalar]))])),
    ]),
    "attempt": .scalar,
]

private func problems(_ source: String) throws -> [TemplateError] {
    try Template(parsing: source).check(against: schema)
}

private func unknown(_ message: String, _ line: Int, _ column: Int) -> TemplateError {
    TemplateError(kind: .render, message: message, line: line, column: column)
}

@Suite struct TemplateCheckTests {
    @Test func realisticPromptChecksCleanAndRenders() throws {
        let source = """
            # {{ issue.identifier }}: {{ issue.title | upcase }}
            {% if attempt > 1 and issue.assignee %}Retry {{ attempt }} by {{ issue.assignee | default: "?" }}{% endif %}
            Labels: {{ issue.labels | join: ", " }} ({{ issue.labels | size }})
            {%- for b in issue.blocked_by %}
            - {{ forloop.index }}. {{ b.identifier }} [{{ b.state | downcase }}]
              {%- for c in b.children %} {{ c.name }}{% endfor %}
            {%- else %}
            No blockers.
            {%- endfor %}
            {{ issue.labels[0] }}{{ issue.blocked_by[0].identifier }}
            """
        let template = try Template(parsing: source)
        #expect(template.check(against: schema).isEmpty)
        let context: [String: TemplateValue] = [
            "attempt": 2,
            "issue": [
                "identifier": "MAE-7", "title": "Fix login", "state": "Todo", "assignee": "ann",
                "labels": ["bug", "ui"],
                "blocked_by": [["identifier": "MAE-1", "state": "Done", "children": [["name": "c1"]]]],
            ],
        ]
        let expected = """
            # MAE-7: FIX LOGIN
            Retry 2 by ann
            Labels: bug, ui (2)
            - 1. MAE-1 [done] c1
            bugMAE-1
            """
        #expect(try template.render(context) == expected)
    }

    @Test func typoWithSuggestionAndPosition() throws {
        let found = try problems("Title:\n  {{ issue.titel }}")
        #expect(found == [unknown("unknown variable 'issue.titel' (did you mean 'issue.title'?)", 2, 6)])
    }

    @Test func unknownTopLevelName() throws {
        #expect(try problems("{{ isue.title }}") == [unknown("unknown variable 'isue' (did you mean 'issue'?)", 1, 4)])
        #expect(try problems("{{ forloop.index }}") == [unknown("unknown variable 'forloop'", 1, 4)])
    }

    @Test func findsErrorsInsideConditions() throws {
        let source = """
            {% if issue.stat == "x" %}{% elsif attempt or issue.nope %}{% endif %}
            {% unless 1 < issue.bogus %}{% endunless %}
            """
        #expect(
            try problems(source) == [
                unknown("unknown variable 'issue.stat' (did you mean 'issue.state'?)", 1, 7),
                unknown("unknown variable 'issue.nope'", 1, 47),
                unknown("unknown variable 'issue.bogus'", 2, 15),
            ])
    }

    @Test func acceptsLoopVariableMembersAndRejectsUnknownOnes() throws {
        let source = "{% for b in issue.blocked_by %}{{ b.identifier }}{{ b.stat }}{{ forloop.indx }}{% endfor %}"
        #expect(
            try problems(source) == [
                unknown("unknown variable 'b.stat' (did you mean 'b.state'?)", 1, 53),
                unknown("unknown variable 'forloop.indx' (did you mean 'forloop.index'?)", 1, 65),
            ])
    }

    @Test func loopVariableIsOutOfScopeAfterTheLoop() throws {
        let source = "{% for b in issue.blocked_by %}{% else %}{{ b.identifier }}{% endfor %}{{ b }}"
        #expect(try problems(source) == [unknown("unknown variable 'b'", 1, 45), unknown("unknown variable 'b'", 1, 75)])
    }

    @Test func collectionMustBeAList() throws {
        let source = "{% for x in issue.title %}{{ x.foo }}{% endfor %}\n{% for y in issue %}{% endfor %}"
        // `x` is not reported again: one mistake, one problem.
        #expect(
            try problems(source) == [
                unknown("'issue.title' is not a list", 1, 13),
                unknown("'issue' is not a list", 2, 13),
            ])
    }

    @Test func scalarsHaveNoMembersAndIndexesNeedLists() throws {
        #expect(try problems("{{ issue.title.size }}") == [unknown("unknown variable 'issue.title.size'", 1, 4)])
        #expect(try problems("{{ issue.labels.size }}") == [unknown("unknown variable 'issue.labels.size'", 1, 4)])
        #expect(try problems("{{ issue.title[0] }}") == [unknown("unknown variable 'issue.title[0]'", 1, 4)])
    }

    @Test func filterArgumentsAreChecked() throws {
        #expect(try problems("{{ issue.title | append: issue.nope }}") == [unknown("unknown variable 'issue.nope'", 1, 26)])
    }

    @Test func bareMapOutputIsReported() throws {
        #expect(try problems("{{ issue }}") == [unknown("cannot render a map 'issue'", 1, 4)])
        #expect(try problems("{{ issue | size }}{{ issue.blocked_by | size }}").isEmpty)
    }

    @Test func reportsAllProblemsSortedByPosition() throws {
        let source = """
            {{ issue.titel }} and {{ nope }}
            ok {{ issue.title }}
            {% for b in issue.blocked_by %}
              {{ b.name }}
            {% endfor %}
            """
        let found = try problems(source)
        #expect(
            found.map(\.message) == [
                "unknown variable 'issue.titel' (did you mean 'issue.title'?)",
                "unknown variable 'nope'",
                "unknown variable 'b.name'",
            ])
        #expect(found.map { [$0.line, $0.column] } == [[1, 4], [1, 26], [4, 6]])
        #expect(found.allSatisfy { $0.kind == .render })
    }
}

@Suite struct TemplateVariableUseTests {
    @Test func resolvesLoopVariablesToCollectionPaths() throws {
        let source = """
            {{ issue.title }}
            {% for b in issue.blocked_by %}
              {{ b.identifier | append: issue.identifier }}{{ forloop.index }}
              {% for c in b.children %}{{ c.name }}{% endfor %}
            {% endfor %}
            {% if attempt > 1 %}retry{% endif %}
            """
        let uses = try Template(parsing: source).variableUses
        #expect(
            uses == [
                TemplateVariableUse(path: ["issue", "title"], line: 1, column: 4),
                TemplateVariableUse(path: ["issue", "blocked_by"], line: 2, column: 13),
                TemplateVariableUse(path: ["issue", "blocked_by", "identifier"], line: 3, column: 6),
                TemplateVariableUse(path: ["issue", "identifier"], line: 3, column: 29),
                TemplateVariableUse(path: ["issue", "blocked_by", "children"], line: 4, column: 15),
                TemplateVariableUse(path: ["issue", "blocked_by", "children", "name"], line: 4, column: 31),
                TemplateVariableUse(path: ["attempt"], line: 6, column: 7),
            ])
    }

    @Test func indexesAreDroppedAndLiteralsIgnored() throws {
        let uses = try Template(parsing: "{{ issue.labels[0] }}{{ 'x' | append: 1 }}").variableUses
        #expect(uses.map(\.path) == [["issue", "labels"]])
    }
}
