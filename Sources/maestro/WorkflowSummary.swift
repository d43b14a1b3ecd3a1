import StateMachine
import WorkflowParser

/// What `maestro validate` reports about a valid workflow. Secrets are never included: provider
/// settings appear by key only.
struct WorkflowSummary: Encodable {
    struct Tracker: Encodable {
        var kind: String
        var activeStates: [String]
        var terminalStates: [String]
        var requiredLabels: [String]
        var providerKeys: [String]
        var claimState: String?
        var reviewState: String?
        var doneState: String?
    }
    var tracker: Tracker
    var phases: [String: String]
    var maxConcurrentAgents: Int
    var maxConcurrentAgentsByState: [String: Int]
    var maxTurns: Int
    var maxAutomaticRetries: Int
    var hooks: [String]
    var hookTimeoutMs: Int
    var workspaceRoot: String
    var codexCommand: String
    var pollingIntervalMs: Int
    var serverPort: Int
    var templateVariables: [String]
    var lifecycleStates: [String]
    var transitionCount: Int

    init(_ workflow: Workflow) {
        let config = workflow.config
        tracker = Tracker(
            kind: config.tracker.kind, activeStates: config.tracker.activeStates,
            terminalStates: config.tracker.terminalStates, requiredLabels: config.tracker.requiredLabels,
            providerKeys: config.tracker.provider.keys.sorted(), claimState: config.tracker.claimState,
            reviewState: config.tracker.reviewState, doneState: config.tracker.doneState)
        phases = [
            "implementation": "agent",
            "review": config.reviewMode.rawValue,
            "done": config.done.enabled ? "agent" : "off",
        ]
        maxConcurrentAgents = config.agent.maxConcurrentAgents
        maxConcurrentAgentsByState = config.agent.maxConcurrentAgentsByState
        maxTurns = config.agent.maxTurns
        maxAutomaticRetries = config.agent.maxAutomaticRetries
        let hookScripts: [(String, String?)] = [
            ("after_create", config.hooks.afterCreate), ("before_run", config.hooks.beforeRun),
            ("after_run", config.hooks.afterRun), ("before_remove", config.hooks.beforeRemove),
        ]
        hooks = hookScripts.filter { $0.1 != nil }.map(\.0)
        hookTimeoutMs = config.hooks.timeoutMs
        workspaceRoot = config.workspaceRoot
        codexCommand = config.codex.command
        pollingIntervalMs = config.pollingIntervalMs
        serverPort = config.serverPort
        templateVariables = workflow.variablesUsed
        lifecycleStates = workflow.machine.states.map(\.rawValue)
        transitionCount = workflow.machine.transitions.count
    }

    func text(file: String) -> String {
        let list = { (values: [String]) in values.isEmpty ? "none" : values.joined(separator: ", ") }
        var concurrency = "\(maxConcurrentAgents) agents"
        if !maxConcurrentAgentsByState.isEmpty {
            concurrency +=
                " ("
                + maxConcurrentAgentsByState.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                .joined(separator: ", ") + ")"
        }
        let mapping = [("claim", tracker.claimState), ("review", tracker.reviewState), ("done", tracker.doneState)]
            .map { "\($0.0) \($0.1 ?? "none")" }.joined(separator: ", ")
        return """
            \(file): valid
              tracker:    \(tracker.kind); active \(list(tracker.activeStates)); terminal \(list(tracker.terminalStates))
              mapping:    \(mapping)
              labels:     \(list(tracker.requiredLabels))
              provider:   \(list(tracker.providerKeys))
              phases:     implementation agent, review \(phases["review"] ?? "off"), done \(phases["done"] ?? "off")
              agents:     \(concurrency); max turns \(maxTurns); automatic retries \(maxAutomaticRetries)
              hooks:      \(list(hooks)) (timeout \(hookTimeoutMs) ms)
              workspaces: \(workspaceRoot)
              codex:      \(codexCommand)
              polling:    every \(pollingIntervalMs) ms; dashboard port \(serverPort)
              variables:  \(list(templateVariables))
              lifecycle:  \(lifecycleStates.joined(separator: ", ")) (\(transitionCount) transitions)
            """
    }
}
