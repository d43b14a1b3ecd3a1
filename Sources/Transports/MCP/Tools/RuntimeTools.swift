import Foundation
import Runtime
import StateMachine

/// `get_issue_execution`'s data: how an issue's runs went, from its detail.
struct IssueExecutionView: Encodable, Sendable {
    var identifier: String
    var lifecycle: LifecycleView
    @Nullable var lastError: String?
    var transitions: [TransitionView]
    var sessions: [SessionView]
    var tokens: TokenView
    var recentEvents: [RuntimeEventView]
    var pendingRequests: [AgentRequestView]
    var allowedCommands: [String]
    @Nullable var workspace: WorkspaceView?

    init(_ detail: IssueDetailView) {
        identifier = detail.issue.identifier
        lifecycle = detail.issue.lifecycle
        lastError = detail.issue.lifecycle.lastError
        transitions = detail.transitions
        sessions = detail.sessions
        tokens = detail.tokens
        recentEvents = detail.recentEvents
        pendingRequests = detail.pendingRequests
        allowedCommands = detail.allowedCommands
        workspace = detail.workspace
    }

    enum CodingKeys: String, CodingKey {
        case identifier, lifecycle
        case lastError = "last_error"
        case transitions, sessions, tokens
        case recentEvents = "recent_events"
        case pendingRequests = "pending_requests"
        case allowedCommands = "allowed_commands"
        case workspace
    }
}

/// `get_graph`'s data: the drawing, or for `json` the graph itself as an object.
struct GraphOutput: Encodable, Sendable {
    var format: String
    var view: String
    var graph: JSONValue
}

/// `refresh`'s data.
struct RefreshOutput: Encodable, Sendable {
    /// Whether the request joined one already pending.
    var coalesced: Bool
}

extension ToolCatalog {
    static let runtimeTools: [ToolSpec] = [
        ToolSpec(
            "get_runtime_snapshot", "The live daemon's state: running, retrying and blocked issues, token totals, rate limits, the workflow.",
            readOnly: true
        ) { _, context in
            try await context.api.snapshot()
        },
        ToolSpec(
            "workflow_status", "The workflow in force: its file, revision, summary and the errors of the last rejected edit.", readOnly: true
        ) { _, context in
            try await context.api.snapshot().workflow
        },
        ToolSpec(
            "list_sessions", "Agent runs: of one issue (oldest first), or of every issue (newest first).",
            parameters: [
                .string("identifier", "The issue's identifier; every issue when absent."),
                .integer("limit", min: 1, max: 1000, "At most this many sessions of every issue; default 100."),
            ],
            readOnly: true
        ) { arguments, context in
            try await context.api.sessions(arguments.string("identifier"), limit: arguments.int("limit") ?? 100)
        },
        ToolSpec(
            "get_issue_execution",
            "How an issue's runs went: lifecycle, last error, transitions, sessions, tokens, recent agent and hook events, pending requests, allowed commands.",
            parameters: [identifier, .integer("recent_events", min: 1, max: 500, "How many recent events; default 50.")], readOnly: true
        ) { arguments, context in
            IssueExecutionView(try await context.api.issueDetail(arguments.text("identifier"), recentEvents: arguments.int("recent_events") ?? 50))
        },
        ToolSpec(
            "list_transitions", "Committed lifecycle transitions after a seq, in log order; of one issue when given.",
            parameters: [
                .integer("after", min: 0, "Only transitions with a greater seq; default 0."),
                .integer("limit", min: 1, max: 500, "At most this many; default 100."),
                .string("identifier", "One issue's transitions (also after it was deleted)."),
            ],
            readOnly: true
        ) { arguments, context in
            try await context.api.transitions(
                after: Int64(arguments.int("after") ?? 0), limit: arguments.int("limit") ?? 100, issue: arguments.string("identifier"))
        },
        ToolSpec("refresh", "Asks the daemon to poll the trackers and reconcile now (coalesced).", readOnly: false) { _, context in
            RefreshOutput(coalesced: try await context.api.refresh())
        },
        ToolSpec(
            "get_graph", "The lifecycle state machine compiled from the workflow in force, drawn or as JSON. SVG shows each state's issue count.",
            parameters: [
                .choice("format", GraphFormat.allCases.map(\.rawValue), "mermaid (default), dot, json, text or svg."),
                .choice("view", GraphView.allCases.map(\.rawValue), "overview (default): one edge per state pair; full: every transition."),
            ],
            readOnly: true
        ) { arguments, context in
            try await graph(
                format: GraphFormat(rawValue: arguments.string("format") ?? "mermaid") ?? .mermaid,
                view: GraphView(rawValue: arguments.string("view") ?? "overview") ?? .overview, api: context.api)
        },
    ]

    static func graph(format: GraphFormat, view: GraphView, api: RuntimeAPI) async throws -> GraphOutput {
        guard let live = api.live else { throw APIError(.noLiveDaemon, "the graph is the live daemon's workflow; no daemon runs here") }
        let machine = await live.rules().machine
        let text: String
        if format == .svg {
            let overview = try await api.boardOverview()
            let counts = Dictionary(
                uniqueKeysWithValues: overview.byLifecycleState.compactMap { key, value in LifecycleState(rawValue: key).map { ($0, value) } })
            text = machine.renderSVG(view: view, counts: counts)
        } else {
            text = machine.render(format, view: view)
        }
        let graph = format == .json ? (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text) : .string(text)
        return GraphOutput(format: format.rawValue, view: view.rawValue, graph: graph)
    }

    static let commandTools: [ToolSpec] = [
        operatorTool("retry_issue", .retry, "Retries now: skips a retry backoff, or requeues a blocked or released issue."),
        operatorTool("cancel_issue", .cancel, "Stops the issue's run, if any, and releases it."),
        operatorTool("pause_issue", .pause, "Stops the issue's run, if any, and blocks it until resumed."),
        operatorTool("resume_issue", .resume, "Returns a paused issue to the queue."),
        operatorTool(
            "answer_blocked", .answer, "Answers the question or approval an issue's agent waits on.",
            extra: [
                .string("answer", required: true, "The answer; an approval takes approve, approve-session, deny or cancel."),
                .string("request_id", "Which pending request, when several wait."),
            ]),
    ]

    static let waitSeconds = ToolParameter.integer("wait_seconds", min: 0, max: 60, "How long to wait for the daemon's verdict; default 5.")

    /// An operator command, applied by the daemon: the verdict when it applied, its rejection as the
    /// error otherwise.
    static func operatorTool(_ name: String, _ command: OperatorCommand, _ description: String, extra: [ToolParameter] = []) -> ToolSpec {
        ToolSpec(name, description, parameters: [identifier] + extra + [waitSeconds], readOnly: false) { arguments, context in
            guard context.api.live != nil else {
                throw APIError(.noLiveDaemon, "operator commands go to the live daemon; no daemon runs here")
            }
            let verdict = try await context.api.submit(
                command, to: arguments.text("identifier"), answer: arguments.string("answer"), requestId: arguments.string("request_id"),
                wait: .seconds(arguments.int("wait_seconds") ?? 5))
            switch verdict.status {
            case .applied: return verdict
            case .rejected: throw verdict.error ?? APIError(code: "rejected", message: "the lifecycle refused \(command.rawValue)")
            case .pending:
                throw APIError(
                    .commandPending,
                    "the daemon has not handled \(command.rawValue) (command \(verdict.id)) yet; it stays queued and applies at its next tick")
            }
        }
    }
}
