import Foundation
import StateMachine
import Testing

@testable import WorkflowParser

/// A front matter snippet placed after `tracker: {kind: kanban}` (so its first line is file line 3).
struct Snippet: Sendable, CustomTestStringConvertible {
    var lines: [String]
    var expected: Spot
    var testDescription: String { lines.joined(separator: " / ") }

    init(_ lines: [String], _ expected: Spot) {
        self.lines = lines
        self.expected = expected
    }

    var text: String { "---\ntracker: {kind: kanban}\n" + lines.map { $0 + "\n" }.joined() + "---\nWork.\n" }
}

/// Every diagnostic points at its exact `line:column` in WORKFLOW.md; the first YAML line is file line 2.
@Suite struct ConfigDiagnosticPositionTests {
    @Test(arguments: [
        Snippet(["agent:", "  max_turns: 0"], Spot(.invalidConfigValue, 4, 14, "agent.max_turns must be a positive integer, got '0'")),
        Snippet(["polling:", "  interval_ms: soon"], Spot(.invalidConfigValue, 4, 16, "polling.interval_ms must be a positive integer, got 'soon'")),
        Snippet(
            ["agent:", "  max_automatic_retries: -1"],
            Spot(.invalidConfigValue, 4, 26, "agent.max_automatic_retries must be an integer >= 0, got '-1'")),
        Snippet(["hooks: {timeout_ms: [1]}"], Spot(.invalidConfigValue, 3, 21, "hooks.timeout_ms must be a positive integer, got a list")),
        Snippet(["server: {port: 70000}"], Spot(.invalidConfigValue, 3, 16, "server.port must be a port in 0...65535, got '70000'")),
        Snippet(
            ["codex:", "  thread_sandbox: workspace_write"],
            Spot(.invalidConfigValue, 4, 19, "codex.thread_sandbox 'workspace_write' is not a Codex sandbox mode")),
        Snippet(
            ["codex:", "  approval_policy: on-failure"],
            Spot(.invalidConfigValue, 4, 20, "codex.approval_policy must be untrusted, on-request, never or {granular: {...}}")),
        Snippet(
            ["codex:", "  approval_policy: {reject: {}}"],
            Spot(.invalidConfigValue, 4, 20, "codex.approval_policy must be untrusted, on-request, never or {granular: {...}}")),
        Snippet(
            ["codex:", "  turn_sandbox_policy: {type: bogus}"],
            Spot(
                .invalidConfigValue, 4, 24,
                "codex.turn_sandbox_policy must be a map whose type is one of dangerFullAccess, readOnly, externalSandbox, workspaceWrite")),
        Snippet(["codex:", "  command: '  '"], Spot(.invalidConfigValue, 4, 12, "codex.command is empty")),
        Snippet(["hooks:", "  after_create: [git, init]"], Spot(.invalidConfigValue, 4, 17, "hooks.after_create must be a string, got a list")),
        Snippet(
            ["phases:", "  review:", "    enabled: maybe"],
            Spot(.invalidConfigValue, 5, 14, "phases.review.enabled must be true or false, got 'maybe'")),
        Snippet(["phases:", "  done:", "    enabled: true"], Spot(.missingConfigValue, 5, 14, "phases.done is enabled without a prompt")),
        Snippet(
            ["workspace: {root: $MAESTRO_UNSET}"], Spot(.unsetEnvironmentVariable, 3, 19, "workspace.root refers to $MAESTRO_UNSET, which is not set")
        ),
    ])
    func configErrorPointsAtTheValue(snippet: Snippet) {
        #expect(parseFailure(snippet.text)?.diagnostics.map(\.spot) == [snippet.expected])
    }

    @Test func unsupportedTrackerKindPointsAtTheKind() {
        let text = lines("---", "# comment", "tracker:", "  kind:   jira", "---", "Work.")
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.unsupportedTrackerKind, 4, 11, "tracker.kind 'jira' is not supported")])
    }

    @Test func duplicateKeyPointsAtTheSecondKey() {
        let nested = lines(
            "---",
            "tracker: {kind: kanban}",
            "agent:",
            "  max_turns: 3",
            "  max_concurrent_agents: 2",
            "  max_concurrent_agents: 4",  // line 6
            "---",
            "Work.")
        #expect(parseFailure(nested)?.diagnostics.map(\.spot) == [Spot(.workflowParseError, 6, 3, "duplicate key 'max_concurrent_agents'")])
        #expect(parseFailure(nested)?.diagnostics.first?.hint == "keep one 'max_concurrent_agents' entry in this map")

        let topLevel = lines("---", "tracker: {kind: kanban}", "agent: {}", "tracker:", "  kind: kanban", "---", "Work.")
        #expect(parseFailure(topLevel)?.diagnostics.map(\.spot) == [Spot(.workflowParseError, 4, 1, "duplicate key 'tracker'")])
    }

    @Test func duplicateKeyInAFlowMapPointsAtTheSecondKey() {
        let text = lines("---", "tracker: {kind: kanban, kind: kanban}", "---", "Work.")
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.workflowParseError, 2, 25, "duplicate key 'kind'")])
    }

    @Test func yamlSyntaxErrorsPointAtTheProblem() {
        let colon = lines("---", "tracker:", "  kind: kanban: x", "---", "Work.")
        #expect(
            parseFailure(colon)?.diagnostics.map(\.spot)
                == [Spot(.workflowParseError, 3, 15, "invalid YAML: mapping values are not allowed in this context")])

        let tab = lines("---", "tracker:", "\tkind: kanban", "---", "Work.")
        #expect(
            parseFailure(tab)?.diagnostics.map(\.spot)
                == [Spot(.workflowParseError, 3, 1, "invalid YAML: found character that cannot start any token")])
        #expect(parseFailure(tab)?.diagnostics.first?.hint == "fix the YAML between the '---' fences")
    }

    @Test func unclosedFrontMatterPointsAtTheOpeningFence() {
        let error = parseFailure(lines("---", "tracker: {kind: kanban}", "Work on {{ issue.title }}."))
        #expect(error?.diagnostics.map(\.spot) == [Spot(.workflowParseError, 1, 1, "front matter opened with '---' is never closed")])
    }

    @Test func crlfDoesNotShiftBlockScalarPositions() {
        let text = lines(
            "---", "tracker: {kind: kanban}", "phases:", "  review:", "    prompt: |", "      Review", "        {{ issue.titel }}", "---",
            "Work."
        ).replacingOccurrences(of: "\n", with: "\r\n")
        // Template line 2 is "  {{ issue.titel }}" (column 6); the block is indented 6, but this line 8.
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.templateRenderError, 7, 12, TemplateDiagnosticPositionTests.titel)])
        let aligned = lines(
            "---", "tracker: {kind: kanban}", "phases:", "  review:", "    prompt: |", "      Review", "      {{ issue.titel }}", "---",
            "Work."
        ).replacingOccurrences(of: "\n", with: "\r\n")
        #expect(parseFailure(aligned)?.diagnostics.map(\.spot) == [Spot(.templateRenderError, 7, 10, TemplateDiagnosticPositionTests.titel)])
    }

    @Test func crlfDoesNotShiftPositions() {
        let text = lines("---", "tracker: {kind: kanban}", "agent:", "  max_turns: 0", "---", "", "Do {{ issue.titel }}")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(
            spotsInFileOrder(parseFailure(text)?.diagnostics) == [
                Spot(.invalidConfigValue, 4, 14, "agent.max_turns must be a positive integer, got '0'"),
                Spot(.templateRenderError, 7, 7, "unknown variable 'issue.titel' (did you mean 'issue.title'?)"),
            ])
    }
}

@Suite struct TemplateDiagnosticPositionTests {
    static let titel = "unknown variable 'issue.titel' (did you mean 'issue.title'?)"

    @Test func unknownTagInTheBody() {
        let text = lines("---", "tracker: {kind: kanban}", "---", "", "Work on {{ issue.title }}.", "  {% frobnicate %}")
        let error = parseFailure(text)
        #expect(error?.diagnostics.map(\.spot) == [Spot(.templateParseError, 6, 6, "unknown tag 'frobnicate'")])
        #expect(error?.diagnostics.first?.hint == "see Specs/templates.md for the supported tags and filters")
    }

    @Test func unknownFilterOnTheIndentedFirstBodyLine() {
        // The body is trimmed, so its first line starts at column 4; positions must still be file columns.
        let text = lines("---", "tracker: {kind: kanban}", "---", "", "   Title: {{ issue.title | shout }}")
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.templateParseError, 5, 28, "unknown filter 'shout'")])
    }

    @Test func unknownVariableInTheBody() {
        let text = lines("---", "tracker: {kind: kanban}", "---", "Line one.", "Do {{ issue.titel }}")
        let error = parseFailure(text)
        #expect(error?.diagnostics.map(\.spot) == [Spot(.templateRenderError, 5, 7, Self.titel)])
        #expect(error?.diagnostics.first?.hint == "prompts may use issue.*, attempt, phase and project.*; see Specs/templates.md")
    }

    @Test func unknownVariableInABodyWithoutFrontMatter() {
        let error = parseFailure(lines("", "Do {{ issue.titel }}"))
        #expect(
            spotsInFileOrder(error?.diagnostics) == [
                Spot(.missingConfigValue, 1, 1, "tracker.kind is required"),
                Spot(.templateRenderError, 2, 7, Self.titel),
            ])
    }

    @Test func unknownVariableInAReviewBlockScalar() {
        let text = lines(
            "---",
            "tracker: {kind: kanban}",
            "phases:",
            "  review:",
            "    prompt: |",
            "      Review {{ issue.identifier }}.",
            "      Check {{ issue.titel }} now.",  // line 7, column 16
            "---",
            "Work.")
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.templateRenderError, 7, 16, Self.titel)])
    }

    @Test func parseErrorInAReviewBlockScalar() {
        let text = lines(
            "---", "tracker: {kind: kanban}", "phases:", "  review:", "    prompt: |+", "", "        {% frobnicate %}", "---",
            "Work.")
        // The block's indentation is 8 (its first non-blank line); the tag name is at column 12 of line 7.
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.templateParseError, 7, 12, "unknown tag 'frobnicate'")])
    }

    @Test func unknownVariableOnAMoreIndentedLineOfABlockScalar() {
        let text = lines(
            "---",
            "tracker: {kind: kanban}",
            "phases:",
            "  review:",
            "    prompt: |",
            "      Review:",
            "        - {{ issue.titel }}",  // line 7, column 14
            "---",
            "Work.")
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.templateRenderError, 7, 14, Self.titel)])
    }

    @Test func unknownVariableInAFoldedBlockScalar() {
        let text = lines(
            "---", "tracker: {kind: kanban}", "phases:", "  review:", "    prompt: >", "      Review", "      now {{ issue.titel }}",
            "---", "Work.")
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.templateRenderError, 7, 14, Self.titel)])
    }

    @Test func unknownVariableInAQuotedDonePrompt() {
        let text = lines(
            "---",
            "tracker: {kind: kanban}",
            "phases:",
            "  done:",
            "    enabled: true",
            "    prompt: \"Ship {{ issue.identifer }}\"",  // line 6, column 22
            "---",
            "Work.")
        #expect(
            parseFailure(text)?.diagnostics.map(\.spot) == [
                Spot(.templateRenderError, 6, 22, "unknown variable 'issue.identifer' (did you mean 'issue.identifier'?)")
            ])
    }

    @Test func unknownVariableInAPlainReviewPrompt() {
        let block = lines("---", "tracker: {kind: kanban}", "phases:", "  review:", "    prompt: Check {{ issue.titel }}", "---", "Work.")
        #expect(parseFailure(block)?.diagnostics.map(\.spot) == [Spot(.templateRenderError, 5, 22, Self.titel)])
    }

    @Test func disabledPhasePromptsAreNotChecked() throws {
        let text = lines(
            "---", "tracker: {kind: kanban}", "phases:", "  review:", "    enabled: false", "    prompt: '{{ issue.titel }}'", "---",
            "Work.")
        let workflow = try parse(text)
        #expect(workflow.reviewPrompt == nil)
        #expect(workflow.config.reviewMode == .off)
    }
}

@Suite struct WarningAndAggregationTests {
    @Test func unknownKeysWarnWithTheNearestKnownKey() throws {
        let text = lines(
            "---",
            "tracker:",
            "  kind: kanban",
            "  activ_states: [todo, in_progress]",  // line 4
            "agnet:",  // line 5
            "  max_turns: 3",
            "phases:",
            "  review:",
            "    promt: x",  // line 9
            "something_else: 1",  // line 10
            "---",
            "Work.")

        let workflow = try parse(text)

        #expect(
            workflow.warnings.map(\.spot) == [
                Spot(.unknownConfigKey, 4, 3, "unknown key 'tracker.activ_states' is ignored", severity: .warning),
                Spot(.unknownConfigKey, 5, 1, "unknown key 'agnet' is ignored", severity: .warning),
                Spot(.unknownConfigKey, 9, 5, "unknown key 'phases.review.promt' is ignored", severity: .warning),
                Spot(.unknownConfigKey, 10, 1, "unknown key 'something_else' is ignored", severity: .warning),
            ])
        #expect(
            workflow.warnings.map(\.hint) == [
                "did you mean 'tracker.active_states'?", "did you mean 'agent'?", "did you mean 'phases.review.prompt'?",
                "see Specs/workflow.md for the known keys",
            ])
        // The misspelled keys are ignored, not applied.
        #expect(workflow.config.agent.maxTurns == 20)
        #expect(workflow.config.reviewMode == .human)
    }

    @Test func openMapChildrenAreNotCheckedAsKeys() throws {
        let workflow = try parse(
            workflowText(
                "tracker: {kind: kanban, provider: {whatever: 1, deeper: {x: 2}}}",
                "agent: {max_concurrent_agents_by_state: {todo: 2}}",
                "codex:",
                "  approval_policy: {granular: {anything: true}}",
                "  turn_sandbox_policy: {type: workspaceWrite, writable_roots: [/tmp], extra: 1}"))
        #expect(workflow.warnings.isEmpty)
    }

    @Test func compatibilityFormsLoadWithWarnings() throws {
        let text = lines(
            "---",
            "tracker:",
            "  kind: kanban",
            "  active_states: 'todo, In_Progress'",  // line 4, column 18
            "agent:",
            "  max_turns: \"5\"",  // line 6, column 14
            "---",
            "Work.")
        let workflow = try parse(text)
        #expect(workflow.config.tracker.activeStates == ["todo", "In_Progress"])
        #expect(workflow.config.agent.maxTurns == 5)
        #expect(
            workflow.warnings.map(\.spot) == [
                Spot(.invalidConfigValue, 4, 18, "tracker.active_states is a comma-separated string", severity: .warning),
                Spot(.invalidConfigValue, 6, 14, "agent.max_turns is a quoted integer", severity: .warning),
            ])
    }

    @Test func everyErrorIsReportedTogetherWithTheWarnings() {
        let text = lines(
            "---",
            "tracker:",
            "  kind: kanban",
            "agent:",
            "  max_turns: 0",  // line 5
            "codex:",
            "  thread_sandbox: sandboxed",  // line 7
            "  comand: codex",  // line 8: a warning
            "phases:",
            "  review:",
            "    prompt: |",
            "      {{ issue.stat }}",  // line 12
            "---",
            "Do {{ issue.titel }}")  // line 14

        let error = parseFailure(text)

        #expect(
            spotsInFileOrder(error?.diagnostics) == [
                Spot(.invalidConfigValue, 5, 14, "agent.max_turns must be a positive integer, got '0'"),
                Spot(.invalidConfigValue, 7, 19, "codex.thread_sandbox 'sandboxed' is not a Codex sandbox mode"),
                Spot(.unknownConfigKey, 8, 3, "unknown key 'codex.comand' is ignored", severity: .warning),
                Spot(.templateRenderError, 12, 10, "unknown variable 'issue.stat' (did you mean 'issue.state'?)"),
                Spot(.templateRenderError, 14, 7, Self.titel),
            ])
        #expect(error?.errors.count == 4)
        #expect(error?.description.components(separatedBy: "\n    hint: ").count == 6)
    }

    @Test func errorsAreListedInFileOrder() {
        // WorkflowError.errors is documented as "The errors, in file order."
        let text = lines("---", "tracker: {kind: kanban}", "polling: {interval_ms: 0}", "agent: {max_turns: 0}", "---", "Work.")
        let error = parseFailure(text)
        #expect(error?.errors.map(\.line) == [3, 4])
    }

    static let titel = "unknown variable 'issue.titel' (did you mean 'issue.title'?)"
}

@Suite struct SectionShapeTests {
    @Test func aSectionThatIsNotAMapIsAnError() {
        let text = lines("---", "tracker: {kind: kanban}", "agent: 4", "hooks:", "---", "Work.")
        #expect(
            parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.invalidConfigValue, 3, 8, "agent must be a map of keys")])
    }
}
