import Foundation
public import Runtime

/// The sample project `maestro demo` runs: eight issues that between them take every lifecycle
/// path worth seeing, and the workflow that points maestro at the demo agent.
public enum DemoBoard {
    public static let projectKey = "DEMO"

    public struct SampleIssue: Sendable, Hashable {
        public var title: String
        public var description: String
        public var priority: Int?
        public var labels: [String]
        /// Identifiers of issues that must finish first.
        public var blockedBy: [String]
    }

    public static let issues: [SampleIssue] = [
        SampleIssue(title: "Add a greeting page", description: "A page that says hello.", priority: 1, labels: ["web"], blockedBy: []),
        SampleIssue(
            title: "Pick the greeting's wording", description: "The agent asks which greeting to use and waits for the answer.",
            priority: 1, labels: [DemoBehaviour.asksQuestion.rawValue], blockedBy: []),
        SampleIssue(
            title: "Fix the flaky build", description: "The first attempt fails on purpose; maestro retries it with backoff.",
            priority: 2, labels: [DemoBehaviour.failsOnce.rawValue], blockedBy: []),
        SampleIssue(
            title: "Announce the greeting page", description: "Waits for DEMO-1 to finish before it can start.", priority: 2,
            labels: ["docs"], blockedBy: ["DEMO-1"]),
        SampleIssue(
            title: "Rewrite everything in Rust", description: "A very long job; the demo cancels it while it runs.", priority: 3,
            labels: [DemoBehaviour.longRunning.rawValue], blockedBy: []),
        SampleIssue(title: "Document the API", description: "Describe each endpoint.", priority: 3, labels: ["docs"], blockedBy: []),
        SampleIssue(title: "Add a dark theme", description: "Colours for the evening.", priority: nil, labels: ["web"], blockedBy: []),
        SampleIssue(title: "Tidy the README", description: "Shorter sentences.", priority: nil, labels: ["docs"], blockedBy: []),
    ]

    /// Creates the project and its issues through the Runtime API.
    public static func create(in api: RuntimeAPI) async throws {
        _ = try await api.createProject(NewProject(name: "maestro demo", key: projectKey, description: "A sample board for `maestro demo`."))
        for issue in issues {
            _ = try await api.createIssue(
                in: projectKey,
                NewIssue(title: issue.title, description: issue.description, priority: issue.priority, labels: issue.labels, blockedBy: issue.blockedBy))
        }
    }

    /// The demo's WORKFLOW.md: the kanban board, fast retries, an agent review and the done phase,
    /// with prompts that carry the demo agent's `demo.*` lines.
    /// - Parameter agentCommand: the shell command that starts the demo agent.
    public static func workflow(agentCommand: String, port: Int) -> String {
        let quoted = "\"" + agentCommand.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        return """
            ---
            # The workflow `maestro demo` runs: the built-in demo agent (a script, not a model) stands in for Codex.
            tracker:
              kind: kanban
              active_states: [todo, in_progress]
              terminal_states: [done, cancelled]
            workspace:
              root: ./workspaces
            hooks:
              after_create: |
                printf 'A workspace made by the maestro demo.\\n' > WORKSPACE.txt
              before_run: |
                echo "files in the workspace: $(ls | wc -l)"
              timeout_ms: 10000
            agent:
              max_concurrent_agents: 3
              max_turns: 3
              max_retry_backoff_ms: 3000
              max_automatic_retries: 3
              continuation_delay_ms: 200
            codex:
              command: \(quoted)
              read_timeout_ms: 10000
              stall_timeout_ms: 60000
            server:
              port: \(port)
            phases:
              review:
                enabled: true
                prompt: |
                  Review {{ issue.identifier }}.
                  demo.phase: review
                  demo.issue: {{ issue.identifier }}
                  demo.title: {{ issue.title }}
                  demo.move_to: done
              done:
                enabled: true
                prompt: |
                  Finish {{ issue.identifier }}.
                  demo.phase: done
                  demo.issue: {{ issue.identifier }}
                  demo.title: {{ issue.title }}
            ---
            Implement {{ issue.identifier }}: {{ issue.title }}.
            demo.phase: implementation
            demo.issue: {{ issue.identifier }}
            demo.title: {{ issue.title }}
            demo.move_to: human_review
            demo.labels: {% for label in issue.labels %}{{ label }}{% unless forloop.last %}, {% endunless %}{% endfor %}

            """
    }
}
