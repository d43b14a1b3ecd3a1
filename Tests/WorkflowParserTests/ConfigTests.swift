import Foundation
import StateMachine
import Testing

@testable import WorkflowParser

/// `<system temp>/maestro_workspaces`, resolved the way the loader resolves it.
let defaultWorkspaceRoot = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("maestro_workspaces")
    .standardizedFileURL.path

/// Symphony §17.1 config cases: defaults, tracker, `$VAR`, paths, shell strings, per-state limits.
@Suite struct ConfigDefaultsTests {
    @Test func defaultsFillEveryGap() throws {
        let workflow = try parse(minimalWorkflow)

        let expected = WorkflowConfig(
            tracker: .init(
                kind: "kanban", activeStates: ["todo", "in_progress"], terminalStates: ["done", "cancelled"],
                requiredLabels: [], provider: [:], providerEnvironmentNames: [:], claimState: "in_progress",
                reviewState: "human_review", doneState: "done"),
            pollingIntervalMs: 30_000,
            workspaceRoot: defaultWorkspaceRoot,
            hooks: .init(afterCreate: nil, beforeRun: nil, afterRun: nil, beforeRemove: nil, timeoutMs: 60_000),
            agent: .init(
                maxConcurrentAgents: 10, maxTurns: 20, maxRetryBackoffMs: 300_000, maxAutomaticRetries: 10,
                continuationDelayMs: 1_000, maxConcurrentAgentsByState: [:], maxRunsPerIssue: 20, maxTurnsPerIssue: 0,
                maxTokensPerIssue: 0),
            codex: .init(
                command: "codex app-server", approvalPolicy: .string("never"), threadSandbox: "workspace-write",
                turnSandboxPolicy: nil, turnTimeoutMs: 3_600_000, readTimeoutMs: 5_000, stallTimeoutMs: 300_000),
            serverPort: 8787, serverHost: "127.0.0.1", serverAuthToken: nil, serverAuthTokenVariable: nil,
            review: .init(enabled: true, prompt: nil),
            done: .init(enabled: false, prompt: nil))
        #expect(workflow.config == expected)
        #expect(workflow.warnings.isEmpty)
        #expect(workflow.config.reviewMode == .human)
        #expect(workflow.reviewPrompt == nil)
        #expect(workflow.donePrompt == nil)
    }

    @Test func explicitNullsTakeTheDefault() throws {
        let workflow = try parse(
            workflowText(
                "tracker: {kind: kanban, active_states: null, required_labels: ~}", "agent: {max_turns: null}",
                "codex: {command: null, approval_policy: null, thread_sandbox: ~}", "hooks: {timeout_ms: null}"))
        #expect(workflow.config.tracker.activeStates == ["todo", "in_progress"])
        #expect(workflow.config.tracker.requiredLabels == [])
        #expect(workflow.config.agent.maxTurns == 20)
        #expect(workflow.config.codex.command == "codex app-server")
        #expect(workflow.config.codex.approvalPolicy == .string("never"))
        #expect(workflow.config.codex.threadSandbox == "workspace-write")
        #expect(workflow.config.hooks.timeoutMs == 60_000)
    }

    @Test func explicitValuesOverrideTheDefaults() throws {
        let workflow = try parse(
            workflowText(
                "tracker:",
                "  kind: kanban",
                "  active_states: [' Ready ', in_progress]",
                "  terminal_states: [closed]",
                "  required_labels: [Agent, ' ', Backend]",
                "  claim_state: in_progress",
                "  review_state: waiting",
                "  done_state: closed",
                "polling: {interval_ms: 5000}",
                "agent: {max_concurrent_agents: 2, max_turns: 4, max_automatic_retries: 0, continuation_delay_ms: 0}",
                "codex:",
                "  approval_policy: {granular: {sandbox_approval: true}}",
                "  thread_sandbox: read-only",
                "  turn_sandbox_policy: {type: readOnly}",
                "  stall_timeout_ms: -1",
                "server: {port: 0}",
                "phases: {review: {enabled: false}}"))
        let config = workflow.config
        #expect(config.tracker.activeStates == ["Ready", "in_progress"])
        #expect(config.tracker.terminalStates == ["closed"])
        #expect(config.tracker.requiredLabels == ["agent", "backend"])
        #expect(config.tracker.reviewState == "waiting")
        #expect(config.tracker.doneState == "closed")
        #expect(config.pollingIntervalMs == 5_000)
        #expect(config.agent.maxConcurrentAgents == 2)
        #expect(config.agent.maxTurns == 4)
        #expect(config.agent.maxAutomaticRetries == 0)
        #expect(config.agent.continuationDelayMs == 0)
        #expect(config.codex.approvalPolicy == .map(["granular": .map(["sandbox_approval": .bool(true)])]))
        #expect(config.codex.threadSandbox == "read-only")
        #expect(config.codex.turnSandboxPolicy == .map(["type": .string("readOnly")]))
        #expect(config.codex.stallTimeoutMs == -1)
        #expect(config.serverPort == 0)
        #expect(config.reviewMode == .off)
        #expect(workflow.warnings.isEmpty)
    }
}

@Suite struct TrackerConfigTests {
    @Test func trackerKindMustBeSupported() {
        let error = parseFailure(workflowText("tracker:", "  kind: jira"))
        #expect(error?.diagnostics.map(\.spot) == [Spot(.unsupportedTrackerKind, 3, 9, "tracker.kind 'jira' is not supported")])
        #expect(error?.diagnostics.first?.hint == "use one of: kanban, linear")
    }

    @Test(arguments: [
        (workflowText("tracker:", "  required_labels: [agent]"), 3, 3),  // points at the tracker map
        (workflowText("tracker: {}"), 2, 10),
        (workflowText("agent: {max_turns: 3}"), 2, 1),  // no tracker section: the top of the front matter
        (workflowText("tracker:", "  kind:"), 3, 3),  // null counts as absent
        (workflowText("tracker:", "  kind: null"), 3, 3),
    ])
    func trackerKindIsRequired(text: String, line: Int, column: Int) {
        #expect(parseFailure(text)?.diagnostics.map(\.spot) == [Spot(.missingConfigValue, line, column, "tracker.kind is required")])
    }

    @Test func providerIsKeptVerbatimWithSecretsResolved() throws {
        let environment = ["HOME": "/home/tester", "LINEAR_KEY": "lin_api_123", "OTHER_TOKEN": "tok_456"]
        let workflow = try parse(
            workflowText(
                "tracker:",
                "  kind: kanban",
                "  provider:",
                "    api_key: $LINEAR_KEY",
                "    token: ${OTHER_TOKEN}",
                "    missing_secret: $NOT_SET_ANYWHERE",
                "    team: ENG",
                "    endpoint: https://example.com/graphql",
                "    literal_dollar: 'costs $5'",
                "    page_size: 50",
                "    labels: [a, b]",
                "    nested: {deep: true, ratio: 0.5, none: null}"),
            environment: environment)

        #expect(
            workflow.config.tracker.provider == [
                "api_key": .string("lin_api_123"),
                "token": .string("tok_456"),
                "missing_secret": .string(""),
                "team": .string("ENG"),
                "endpoint": .string("https://example.com/graphql"),
                "literal_dollar": .string("costs $5"),
                "page_size": .int(50),
                "labels": .list([.string("a"), .string("b")]),
                "nested": .map(["deep": .bool(true), "ratio": .double(0.5), "none": .null]),
            ])
        #expect(
            workflow.config.tracker.providerEnvironmentNames == [
                "api_key": "LINEAR_KEY", "token": "OTHER_TOKEN", "missing_secret": "NOT_SET_ANYWHERE",
            ])
        // Provider children belong to the adapter: no unknown-key warnings for them.
        #expect(workflow.warnings.isEmpty)
    }

    @Test func trackerStateConsistencyIsChecked() {
        let error = parseFailure(
            workflowText(
                "tracker:",
                "  kind: kanban",
                "  active_states: [todo, in_progress]",
                "  terminal_states: [done, ' TODO ']",
                "  claim_state: done",
                "  review_state: In_Progress"))
        #expect(
            spotsInFileOrder(error?.diagnostics) == [
                Spot(.invalidConfigValue, 5, 20, "'TODO' is both an active and a terminal state"),
                Spot(.invalidConfigValue, 6, 16, "tracker.claim_state 'done' is not one of tracker.active_states"),
                Spot(.invalidConfigValue, 7, 17, "tracker.review_state 'In_Progress' is one of tracker.active_states"),
            ])
    }

    @Test func nullTrackerStatesMeanNone() throws {
        // Specs/workflow.md: the three mappings are "string or null"; null claim_state writes nothing.
        let config = try parse(
            workflowText("tracker: {kind: kanban, claim_state: null, review_state: ~}", "phases: {review: {enabled: false}}")
        ).config
        #expect(config.tracker.claimState == nil)
        #expect(config.tracker.reviewState == nil)
        #expect(config.tracker.doneState == "done")
    }

    @Test func claimStateDefaultsOnlyWhenInProgressIsActive() throws {
        let config = try parse(workflowText("tracker: {kind: kanban, active_states: [todo, doing]}")).config
        #expect(config.tracker.claimState == nil)
        #expect(try parse(workflowText("tracker: {kind: kanban, active_states: [todo, In_Progress]}")).config.tracker.claimState == "in_progress")
    }

    @Test func enabledPhasesNeedTheirTrackerStates() {
        let text = lines(
            "---",
            "tracker:",
            "  kind: kanban",
            "  review_state: null",  // line 4, column 17
            "  done_state: null",  // line 5, column 15
            "phases:",
            "  done: {enabled: true, prompt: Ship it}",
            "---",
            "Work.")
        #expect(
            spotsInFileOrder(parseFailure(text)?.diagnostics) == [
                Spot(.missingConfigValue, 4, 17, "phases.review is enabled but tracker.review_state is null"),
                Spot(.missingConfigValue, 5, 15, "phases.done is enabled but tracker.done_state is null"),
            ])
    }
}

@Suite struct PathAndShellConfigTests {
    @Test(arguments: [
        ("$WS_ROOT", ["WS_ROOT": "/srv/ws"], "/srv/ws"),
        ("${WS_ROOT}", ["WS_ROOT": "/srv/ws/"], "/srv/ws"),
        ("~/ws", ["HOME": "/custom/home"], "/custom/home/ws"),
        ("'~'", ["HOME": "/custom/home"], "/custom/home"),
        ("~", ["HOME": "/custom/home"], defaultWorkspaceRoot),  // a bare ~ is YAML null: the default
        ("issues", [:], "/base/issues"),
        ("./a/../issues", [:], "/base/issues"),
        ("../shared/ws", [:], "/shared/ws"),
        ("/abs/./ws/", [:], "/abs/ws"),
        ("$WS_REL", ["WS_REL": "rel/ws"], "/base/rel/ws"),
        ("$WS_TILDE", ["WS_TILDE": "~/x", "HOME": "/custom/home"], "/custom/home/x"),
    ])
    func workspaceRootIsResolved(root: String, environment: [String: String], expected: String) throws {
        let workflow = try parse(workflowText("tracker: {kind: kanban}", "workspace:", "  root: \(root)"), environment: environment)
        #expect(workflow.config.workspaceRoot == expected)
    }

    @Test(arguments: [[:], ["MAESTRO_TEST_ROOT": ""]])
    func unsetVariableInWorkspaceRootIsAnError(environment: [String: String]) {
        let error = parseFailure(
            workflowText("tracker: {kind: kanban}", "workspace:", "  root: $MAESTRO_TEST_ROOT"), environment: environment)
        #expect(
            error?.diagnostics.map(\.spot) == [
                Spot(.unsetEnvironmentVariable, 4, 9, "workspace.root refers to $MAESTRO_TEST_ROOT, which is not set")
            ])
    }

    @Test func codexCommandAndHooksStayShellStrings() throws {
        let environment = ["HOME": "/home/tester", "CODEX_BIN": "/usr/local/bin/codex"]
        let workflow = try parse(
            workflowText(
                "tracker: {kind: kanban}",
                "codex:",
                "  command: $CODEX_BIN app-server --config ~/codex.toml",
                "hooks:",
                "  before_run: $CODEX_BIN",
                "  after_create: cd ${HOME} && git init"),
            environment: environment)
        #expect(workflow.config.codex.command == "$CODEX_BIN app-server --config ~/codex.toml")
        #expect(workflow.config.hooks.beforeRun == "$CODEX_BIN")
        #expect(workflow.config.hooks.afterCreate == "cd ${HOME} && git init")
    }

    @Test func wholeValueCodexCommandIsNotExpandedEither() throws {
        let workflow = try parse(
            workflowText("tracker: {kind: kanban}", "codex: {command: $CODEX_BIN}"),
            environment: ["CODEX_BIN": "/usr/local/bin/codex"])
        #expect(workflow.config.codex.command == "$CODEX_BIN")
    }
}

@Suite struct PerStateConcurrencyTests {
    @Test func keysAreNormalizedAndBadValuesDroppedWithAWarning() throws {
        let workflow = try parse(
            workflowText(
                "tracker: {kind: kanban}",  // line 2
                "agent:",
                "  max_concurrent_agents_by_state:",
                "    ' In_Progress ': 2",  // line 5
                "    TODO: 3",
                "    review: 0",
                "    done: lots",
                "    blocked: -1",
                "    merging: 1.5"))  // line 10

        #expect(workflow.config.agent.maxConcurrentAgentsByState == ["in_progress": 2, "todo": 3])
        #expect(workflow.config.machinePolicy.maxConcurrentAgentsByState == ["in_progress": 2, "todo": 3])
        let message = { (state: String) in
            "agent.max_concurrent_agents_by_state.\(state) is not a positive integer; ignored"
        }
        #expect(
            spotsInFileOrder(workflow.warnings) == [
                Spot(.invalidConfigValue, 7, 13, message("review"), severity: .warning),
                Spot(.invalidConfigValue, 8, 11, message("done"), severity: .warning),
                Spot(.invalidConfigValue, 9, 14, message("blocked"), severity: .warning),
                Spot(.invalidConfigValue, 10, 14, message("merging"), severity: .warning),
            ])
    }

    @Test func aNonMapIsAnError() {
        let error = parseFailure(workflowText("tracker: {kind: kanban}", "agent: {max_concurrent_agents_by_state: 5}"))
        #expect(
            error?.diagnostics.map(\.spot) == [
                Spot(.invalidConfigValue, 3, 41, "agent.max_concurrent_agents_by_state must be a map, got '5'")
            ])
    }
}

@Suite struct ServerConfigTests {
    @Test func theAuthTokenIsReadFromTheNamedVariableOnly() throws {
        let text = "---\ntracker:\n  kind: kanban\nserver:\n  host: 0.0.0.0\n  auth_token: $API_TOKEN\n---\nx\n"
        let workflow = try WorkflowLoader.parse(text, file: "W.md", baseDirectory: "/", environment: ["API_TOKEN": "s3cret"])
        #expect(workflow.config.serverHost == "0.0.0.0")
        #expect(workflow.config.serverAuthToken == "s3cret")
        #expect(workflow.config.serverAuthTokenVariable == "API_TOKEN")

        let literal = "---\ntracker:\n  kind: kanban\nserver:\n  auth_token: s3cret\n---\nx\n"
        let refused = #expect(throws: WorkflowError.self) { try WorkflowLoader.parse(literal, file: "W.md", baseDirectory: "/", environment: [:]) }
        #expect(refused?.errors.map(\.code) == [.invalidConfigValue])
        #expect(refused?.errors.first.map { "\($0.line):\($0.column)" } == "5:15")
        #expect(refused?.description.contains("s3cret") == false, "the secret is never printed")

        let unset = #expect(throws: WorkflowError.self) {
            try WorkflowLoader.parse(text, file: "W.md", baseDirectory: "/", environment: [:])
        }
        #expect(unset?.errors.map(\.code) == [.unsetEnvironmentVariable])
    }
}
