import Testing

@testable import WorkflowParser

private let issue: TemplateValue = [
    "identifier": "MAE-7",
    "title": "Fix login",
    "state": "Todo",
    "priority": 2,
    "assignee": .null,
    "description": "",
    "labels": ["bug", "ui"],
    "blocked_by": [
        ["identifier": "MAE-1", "state": "Done"],
        ["identifier": "MAE-2", "state": "Todo"],
    ],
]

private func render(_ source: String, _ context: [String: TemplateValue] = ["issue": issue]) throws -> String {
    try Template(parsing: source).render(context)
}

@Suite struct TemplateRenderTests {
    @Test func outputsPathsAndLiterals() throws {
        #expect(try render("{{ issue.title }} #{{ issue.priority }}") == "Fix login #2")
        #expect(try render(#"{{ "x" }}{{ 'y' }}{{ 3 }}{{ -4 }}{{ true }}{{ false }}{{ nil }}"#) == "xy3-4truefalse")
    }

    @Test func nullRendersEmptyAndListsConcatenate() throws {
        #expect(try render("[{{ issue.assignee }}]") == "[]")
        #expect(try render("{{ issue.labels }}") == "bugui")
    }

    @Test func indexesLists() throws {
        #expect(try render("{{ issue.labels[0] }}-{{ issue.labels[-1] }}-{{ issue.labels[5] }}") == "bug-ui-")
        #expect(try render("{{ issue.blocked_by[1].identifier }}{{ issue[\"state\"] }}") == "MAE-2Todo")
    }

    @Test(arguments: [(1, "urgent"), (2, "high"), (3, "low")])
    func ifElsifElse(priority: Int, expected: String) throws {
        let source = """
            {% if issue.priority == 1 %}urgent{% elsif issue.priority == 2 %}high{% else %}low{% endif %}
            """
        #expect(try render(source, ["issue": ["priority": .int(priority)]]) == expected)
    }

    @Test func unlessAndElse() throws {
        #expect(try render("{% unless issue.assignee %}unassigned{% else %}taken{% endunless %}") == "unassigned")
        #expect(try render("{% unless issue.title %}none{% else %}titled{% endunless %}") == "titled")
    }

    @Test func truthinessFollowsLiquid() throws {
        let source = """
            {% if issue.description %}a{% endif %}{% if 0 %}b{% endif %}\
            {% if issue.assignee %}c{% endif %}{% if false %}d{% endif %}
            """
        #expect(try render(source) == "ab")
    }

    @Test func comparisons() throws {
        let source = """
            {% if issue.priority > 1 %}gt{% endif %}{% if issue.priority <= 2 %}le{% endif %}\
            {% if issue.title != "x" %}ne{% endif %}{% if "b" < "c" %}lt{% endif %}\
            {% if issue.priority >= 3 %}NO{% endif %}{% if issue.priority == "2" %}NO{% endif %}\
            {% if issue.assignee == nil %}nil{% endif %}
            """
        #expect(try render(source) == "gtleneltnil")
    }

    @Test func containsOnStringsAndLists() throws {
        let source = """
            {% if issue.title contains "login" %}s{% endif %}{% if issue.labels contains "ui" %}l{% endif %}\
            {% if issue.labels contains "x" %}NO{% endif %}{% if issue.title contains "Login" %}NO{% endif %}
            """
        #expect(try render(source) == "sl")
    }

    @Test func andOrGroupFromTheRight() throws {
        // Left-to-right would give (true or false) and false == false.
        #expect(try render("{% if true or false and false %}A{% else %}a{% endif %}") == "A")
        // Usual precedence would give (false and true) or true == true.
        #expect(try render("{% if false and true or true %}B{% else %}b{% endif %}") == "b")
        #expect(try render("{% if issue.title and issue.priority == 2 %}C{% endif %}") == "C")
    }

    @Test func andShortCircuitsAsGuard() throws {
        #expect(try render("{% if issue.assignee and issue.assignee.name %}x{% else %}none{% endif %}") == "none")
    }

    @Test func emptyKeyword() throws {
        #expect(try render("{% if issue.description == empty %}e{% endif %}{% if issue.labels != empty %}n{% endif %}") == "en")
    }

    @Test func forLoopWithForloop() throws {
        let source = """
            {% for b in issue.blocked_by %}{{ forloop.index }}/{{ forloop.length }}:{{ b.identifier }}\
            {% if forloop.first %}(first){% endif %}{% if forloop.last %}(last){% endif %}\
            {% unless forloop.last %}, {% endunless %}{% endfor %}
            """
        #expect(try render(source) == "1/2:MAE-1(first), 2/2:MAE-2(last)")
        let counters = "{% for l in issue.labels %}{{ forloop.index0 }}{{ forloop.rindex }}{{ forloop.rindex0 }} {% endfor %}"
        #expect(try render(counters) == "021 110 ")
    }

    @Test func nestedLoopsKeepTheirOwnForloop() throws {
        let groups: TemplateValue = [["name": "A", "items": ["x", "y"]], ["name": "B", "items": ["z"]]]
        let source = """
            {% for g in groups %}{{ g.name }}[{% for i in g.items %}{{ forloop.index0 }}{{ i }}{% endfor %}]\
            {{ forloop.index }}{% endfor %}
            """
        #expect(try render(source, ["groups": groups]) == "A[0x1y]1B[0z]2")
    }

    @Test func loopVariableShadowsAndIsScoped() throws {
        let source = "{% for x in list %}{{ x }}{% endfor %}{{ x }}"
        #expect(try render(source, ["list": [1, 2], "x": "outer"]) == "12outer")
    }

    @Test func forElseOnEmptyOrNilCollection() throws {
        let source = "{% for x in items %}{{ x }}{% else %}none{% endfor %}"
        #expect(try render(source, ["items": []]) == "none")
        #expect(try render(source, ["items": .null]) == "none")
        #expect(try render(source, ["items": ["a"]]) == "a")
    }

    @Test func commentsAndRaw() throws {
        #expect(try render("a{% comment %}{{ x | bogus }}{% comment %}{% if %}{% endcomment %}{% endcomment %}b") == "ab")
        #expect(try render("a{% # note about x %}b") == "ab")
        #expect(try render("{% raw %}{{ issue.title }}{% if %}{% endraw %}!") == "{{ issue.title }}{% if %}!")
    }

    @Test func whitespaceControlTrimsNewlines() throws {
        let source = """
            <ul>
              {%- for l in issue.labels %}
              <li>{{ l }}</li>
              {%- endfor %}
            </ul>
            """
        #expect(try render(source) == "<ul>\n  <li>bug</li>\n  <li>ui</li>\n</ul>")
        #expect(try render("a \n {{- issue.priority -}} \n b") == "a2b")
        #expect(try render("a \n {%- if true -%} \n b {%- endif %} c") == "ab c")
        #expect(try render("a {{ issue.priority }} b") == "a 2 b")
    }

    @Test(arguments: [
        ("{{ issue.title | upcase }}", "FIX LOGIN"),
        ("{{ issue.title | downcase }}", "fix login"),
        ("{{ 'hello WORLD' | capitalize }}", "Hello world"),
        ("[{{ '  pad \n' | strip }}]", "[pad]"),
        ("{{ issue.labels | join }}", "bug ui"),
        ("{{ issue.labels | join: ', ' }}", "bug, ui"),
        ("{{ issue.labels | size }}/{{ issue.title | size }}", "2/9"),
        ("{{ issue.labels | first }}-{{ issue.labels | last }}-{{ issue.title | first }}", "bug-ui-F"),
        ("{{ 'Ground control to Major Tom.' | truncate: 20 }}", "Ground control to..."),
        ("{{ 'Ground control to Major Tom.' | truncate: 25, ', and so on' }}", "Ground control, and so on"),
        ("{{ 'short' | truncate: 5 }}", "short"),
        ("{{ 'abcdef' | truncate: -9223372036854775808 }}{{ 'abc' | truncate: '2', '' }}", "...ab"),
        ("{{ issue.title | append: '!' }}{{ issue.identifier | prepend: '#' }}", "Fix login!#MAE-7"),
        ("{{ 'a-b-c' | replace: '-', '+' }}", "a+b+c"),
        ("{{ issue.title | append: issue.identifier }}", "Fix loginMAE-7"),
        ("{{ issue.title | upcase | truncate: 6 }}", "FIX..."),
    ])
    func filters(source: String, expected: String) throws {
        #expect(try render(source) == expected)
    }

    @Test func defaultFilter() throws {
        #expect(try render("{{ issue.assignee | default: 'nobody' }}") == "nobody")
        #expect(try render("{{ issue.description | default: 'none' }}") == "none")
        #expect(try render("{{ false | default: 'f' }}{{ 0 | default: 5 }}") == "f0")
        #expect(try render("{{ issue.title | default: 'x' }}") == "Fix login")
    }
}
