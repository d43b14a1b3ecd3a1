import Foundation
import StateMachine
import Yams

extension ConfigReader {
    /// Builds the typed config; problems are added to ``diagnostics``.
    mutating func decodeConfig(baseDirectory: String) -> WorkflowConfig {
        warnAboutUnknownKeys(in: root, prefix: "")
        let tracker = decodeTracker()
        let positive = ("a positive integer", { (value: Int) in value > 0 })
        let nonNegative = ("an integer >= 0", { (value: Int) in value >= 0 })
        let hooks = WorkflowConfig.Hooks(
            afterCreate: string("hooks.after_create", default: nil),
            beforeRun: string("hooks.before_run", default: nil),
            afterRun: string("hooks.after_run", default: nil),
            beforeRemove: string("hooks.before_remove", default: nil),
            timeoutMs: int("hooks.timeout_ms", default: 60_000, expected: positive.0, valid: positive.1))
        let agent = WorkflowConfig.Agent(
            maxConcurrentAgents: int("agent.max_concurrent_agents", default: 10, expected: positive.0, valid: positive.1),
            maxTurns: int("agent.max_turns", default: 20, expected: positive.0, valid: positive.1),
            maxRetryBackoffMs: int("agent.max_retry_backoff_ms", default: 300_000, expected: positive.0, valid: positive.1),
            maxAutomaticRetries: int("agent.max_automatic_retries", default: 10, expected: nonNegative.0, valid: nonNegative.1),
            continuationDelayMs: int("agent.continuation_delay_ms", default: 1_000, expected: nonNegative.0, valid: nonNegative.1),
            maxConcurrentAgentsByState: decodeLimitsByState(),
            maxRunsPerIssue: int("agent.max_runs_per_issue", default: 20, expected: nonNegative.0, valid: nonNegative.1),
            maxTurnsPerIssue: int("agent.max_turns_per_issue", default: 0, expected: nonNegative.0, valid: nonNegative.1),
            maxTokensPerIssue: int("agent.max_tokens_per_issue", default: 0, expected: nonNegative.0, valid: nonNegative.1))
        let codex = decodeCodex(positive: positive)
        let port = int("server.port", default: 8787, expected: "a port in 0...65535", valid: { (0...65535).contains($0) })
        let host = string("server.host", default: "127.0.0.1")?.trimmingCharacters(in: .whitespaces) ?? "127.0.0.1"
        if host.isEmpty {
            report(.invalidConfigValue, "server.host is empty", hint: "remove it to listen on 127.0.0.1", at: node("server.host"))
        }
        let token = secret("server.auth_token")
        let review = WorkflowConfig.PhaseSettings(
            enabled: bool("phases.review.enabled", default: true), prompt: string("phases.review.prompt", default: nil))
        let done = WorkflowConfig.PhaseSettings(
            enabled: bool("phases.done.enabled", default: false), prompt: string("phases.done.prompt", default: nil))
        let root = path(
            "workspace.root", default: NSTemporaryDirectory().appending("maestro_workspaces"), base: baseDirectory)
        let config = WorkflowConfig(
            tracker: tracker,
            pollingIntervalMs: int("polling.interval_ms", default: 30_000, expected: positive.0, valid: positive.1),
            workspaceRoot: URL(fileURLWithPath: root).standardizedFileURL.path,
            hooks: hooks, agent: agent, codex: codex, serverPort: port, serverHost: host.isEmpty ? "127.0.0.1" : host,
            serverAuthToken: token?.value, serverAuthTokenVariable: token?.variable, review: review, done: done)
        checkPhases(config)
        return config
    }

    // MARK: - Sections

    /// A secret: only `$VAR` (or `${VAR}`) is accepted, so the value never sits in a file agents
    /// can read; the variable must be set.
    private mutating func secret(_ path: String) -> (value: String, variable: String)? {
        guard let text = string(path, default: nil) else { return nil }
        guard let name = Self.variableName(text) else {
            report(
                .invalidConfigValue, "\(path) must name an environment variable, like $MAESTRO_API_TOKEN",
                hint: "a secret written in WORKFLOW.md is readable by every agent; export it and write `\(path): $NAME`", at: node(path))
            return nil
        }
        guard let value = environment[name], !value.isEmpty else {
            report(.unsetEnvironmentVariable, "\(path) refers to $\(name), which is not set", hint: "export \(name)", at: node(path))
            return nil
        }
        return (value, name)
    }

    private mutating func decodeTracker() -> WorkflowConfig.Tracker {
        var kind = string("tracker.kind", default: nil) ?? ""
        if node("tracker.kind").map(isNullNode) ?? true {
            report(
                .missingConfigValue, "tracker.kind is required",
                hint: "add `tracker: {kind: kanban}` to the front matter", at: node("tracker") ?? root)
        } else if !WorkflowConfig.supportedTrackerKinds.contains(kind) {
            report(
                .unsupportedTrackerKind, "tracker.kind '\(kind)' is not supported",
                hint: "use one of: " + WorkflowConfig.supportedTrackerKinds.joined(separator: ", "),
                at: node("tracker.kind"))
            kind = kind.isEmpty ? "kanban" : kind
        }
        let defaults = TrackerDefaults(kind: kind)
        let active = stringList("tracker.active_states", default: defaults.activeStates)
        let terminal = stringList("tracker.terminal_states", default: defaults.terminalStates)
        for (path, states) in [("tracker.active_states", active), ("tracker.terminal_states", terminal)] where states.isEmpty {
            report(.invalidConfigValue, "\(path) is empty", hint: "list at least one tracker state", at: node(path))
        }
        let activeSet = Set(active.map(normalizedTrackerState))
        if let overlap = terminal.first(where: { activeSet.contains(normalizedTrackerState($0)) }) {
            report(
                .invalidConfigValue, "'\(overlap)' is both an active and a terminal state",
                hint: "remove it from one of the two lists", at: node("tracker.terminal_states"))
        }
        let labels = stringList("tracker.required_labels", default: []).map { $0.lowercased() }
        var provider: [String: ConfigValue] = [:]
        var secrets: [String: String] = [:]
        for (key, entry) in map("tracker.provider") ?? [:] {
            if let text = entry.value.stringValue, let name = Self.variableName(text) {
                secrets[key] = name
                provider[key] = .string(environment[name] ?? "")
            } else {
                provider[key] = entry.value
            }
        }
        decodeFlatTrackerKeys(kind: kind, provider: &provider, secrets: &secrets)
        if kind == "linear" { checkLinearProvider(&provider, secrets: &secrets) }
        // The default claim state applies only where the board has it as an active state.
        let claimDefault = activeSet.contains(normalizedTrackerState(defaults.claimState)) ? defaults.claimState : nil
        let claim = optionalState("tracker.claim_state", default: claimDefault)
        if let claim, !activeSet.contains(normalizedTrackerState(claim)) {
            report(
                .invalidConfigValue, "tracker.claim_state '\(claim)' is not one of tracker.active_states",
                hint: "claiming must keep the issue active; pick an active state or null", at: node("tracker.claim_state") ?? node("tracker"))
        }
        let review = optionalState("tracker.review_state", default: defaults.reviewState)
        let done = optionalState("tracker.done_state", default: defaults.doneState)
        for (path, value) in [("tracker.review_state", review), ("tracker.done_state", done)] {
            if let value, activeSet.contains(normalizedTrackerState(value)) {
                report(
                    .invalidConfigValue, "\(path) '\(value)' is one of tracker.active_states",
                    hint: "a hand-off state must not be active, or the agent would keep running", at: node(path) ?? node("tracker"))
            }
        }
        return WorkflowConfig.Tracker(
            kind: kind, activeStates: active, terminalStates: terminal, requiredLabels: labels.filter { !$0.isEmpty },
            provider: provider, providerEnvironmentNames: secrets, claimState: claim, reviewState: review,
            doneState: done)
    }

    private func isNullNode(_ node: Node) -> Bool { node.scalar?.style == .plain && node.null != nil }

    /// A tracker state mapping: absent means the default, an explicit null means none.
    private mutating func optionalState(_ path: String, default fallback: String?) -> String? {
        if let node = node(path), isNullNode(node) { return nil }
        return string(path, default: fallback)
    }

    private mutating func decodeLimitsByState() -> [String: Int] {
        var limits: [String: Int] = [:]
        for (state, entry) in map("agent.max_concurrent_agents_by_state") ?? [:] {
            guard case .int(let limit) = entry.value, limit > 0 else {
                report(
                    .invalidConfigValue, "agent.max_concurrent_agents_by_state.\(state) is not a positive integer; ignored",
                    hint: "use a positive integer", at: entry.node, severity: .warning)
                continue
            }
            limits[normalizedTrackerState(state)] = limit
        }
        return limits
    }

    private mutating func decodeCodex(positive: (String, (Int) -> Bool)) -> WorkflowConfig.Codex {
        let command = string("codex.command", default: "codex app-server") ?? ""
        if command.trimmingCharacters(in: .whitespaces).isEmpty {
            report(.invalidConfigValue, "codex.command is empty", hint: "set it to e.g. `codex app-server`", at: node("codex.command"))
        }
        var approval = ConfigValue.string("never")
        if let policyNode = node("codex.approval_policy"), !isNullNode(policyNode) {
            let value = configValue(policyNode)
            switch value {
            case .string(let text) where ["untrusted", "on-request", "never"].contains(text): approval = value
            case .map(let entries) where entries.keys.sorted() == ["granular"]: approval = value
            default:
                report(
                    .invalidConfigValue, "codex.approval_policy must be untrusted, on-request, never or {granular: {...}}",
                    hint: "Codex 0.163 refuses `on-failure` and `reject`; `never` auto-approves", at: policyNode)
            }
        }
        let sandbox = string("codex.thread_sandbox", default: "workspace-write") ?? "workspace-write"
        if !["read-only", "workspace-write", "danger-full-access"].contains(sandbox) {
            report(
                .invalidConfigValue, "codex.thread_sandbox '\(sandbox)' is not a Codex sandbox mode",
                hint: "use read-only, workspace-write or danger-full-access (kebab-case)", at: node("codex.thread_sandbox"))
        }
        var turnPolicy: ConfigValue?
        if let policyNode = node("codex.turn_sandbox_policy"), !isNullNode(policyNode) {
            let value = configValue(policyNode)
            let types = ["dangerFullAccess", "readOnly", "externalSandbox", "workspaceWrite"]
            if case .map(let entries) = value, let type = entries["type"]?.stringValue, types.contains(type) {
                turnPolicy = value
            } else {
                report(
                    .invalidConfigValue, "codex.turn_sandbox_policy must be a map whose type is one of \(types.joined(separator: ", "))",
                    hint: "e.g. {type: workspaceWrite, networkAccess: false}", at: policyNode)
            }
        }
        return WorkflowConfig.Codex(
            command: command, approvalPolicy: approval, threadSandbox: sandbox, turnSandboxPolicy: turnPolicy,
            turnTimeoutMs: int("codex.turn_timeout_ms", default: 3_600_000, expected: positive.0, valid: positive.1),
            readTimeoutMs: int("codex.read_timeout_ms", default: 5_000, expected: positive.0, valid: positive.1),
            stallTimeoutMs: int("codex.stall_timeout_ms", default: 300_000, expected: "an integer", valid: { _ in true }))
    }

    private mutating func checkPhases(_ config: WorkflowConfig) {
        if config.done.enabled, config.done.prompt == nil {
            report(
                .missingConfigValue, "phases.done is enabled without a prompt",
                hint: "add phases.done.prompt, or set phases.done.enabled: false", at: node("phases.done.enabled"))
        }
        if config.done.enabled, config.tracker.doneState == nil {
            report(
                .missingConfigValue, "phases.done is enabled but tracker.done_state is null",
                hint: "set tracker.done_state to the state that starts the done phase", at: node("tracker.done_state"))
        }
        if config.review.enabled, config.tracker.reviewState == nil {
            report(
                .missingConfigValue, "phases.review is enabled but tracker.review_state is null",
                hint: "set tracker.review_state, or phases.review.enabled: false", at: node("tracker.review_state"))
        }
    }

    // MARK: - Unknown keys

    private mutating func warnAboutUnknownKeys(in node: Node?, prefix: String) {
        guard let mapping = node?.mapping else { return }
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            let path = prefix.isEmpty ? name : prefix + "." + name
            if ConfigSchema.openMaps.contains(path) { continue }
            if ConfigSchema.knownPaths.contains(path) {
                let isSection = !ConfigSchema.keys.contains { $0.path == path }
                if isSection, value.mapping == nil, !isNullNode(value) {
                    report(
                        .invalidConfigValue, "\(path) must be a map of keys", hint: "indent its keys below `\(name):`",
                        at: value)
                }
                warnAboutUnknownKeys(in: value, prefix: path)
                continue
            }
            let siblings = ConfigSchema.knownPaths.filter {
                $0.hasPrefix(prefix.isEmpty ? "" : prefix + ".") && !$0.dropFirst(prefix.isEmpty ? 0 : prefix.count + 1).contains(".")
            }
            let suggestion = nearest(to: path, among: siblings)
            report(
                .unknownConfigKey, "unknown key '\(path)' is ignored",
                hint: suggestion.map { "did you mean '\($0)'?" } ?? "see Specs/workflow.md for the known keys",
                at: key, severity: .warning)
        }
    }
}

/// The closest candidate within an edit distance of a third of the word (at least 2), if any.
func nearest(to word: String, among candidates: some Collection<String>) -> String? {
    let limit = max(2, word.count / 3)
    return candidates.map { ($0, editDistance(word, $0)) }.filter { $0.1 <= limit }
        .min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
}

/// Levenshtein distance over characters.
func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs)
    let b = Array(rhs)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
