import Foundation

/// A commented WORKFLOW.md for a repository, as `maestro init` writes it.
///
/// Pure text from a few answers; every combination loads without errors (a test loads each one).
public struct WorkflowTemplate: Sendable, Hashable {
    public enum Tracker: String, Sendable, Hashable, CaseIterable {
        case kanban, linear
    }

    /// Who reviews an implementation before the done phase.
    public enum Review: String, Sendable, Hashable, CaseIterable {
        /// A review agent runs with its own prompt.
        case agent
        /// A person moves the issue on from the review state.
        case human
        /// No review phase: a finished implementation goes straight to the done phase.
        case off
    }

    public var tracker: Tracker
    /// The Linear project's slug (Linear only).
    public var linearProject: String?
    public var review: Review
    public var maxConcurrentAgents: Int
    /// Where per-issue workspaces live; `~` and `$VAR` are expanded by the loader.
    public var workspaceRoot: String
    /// The shell script that fills a new workspace, e.g. a clone of the repository.
    public var afterCreate: String
    public var codexCommand: String

    public init(
        tracker: Tracker = .kanban, linearProject: String? = nil, review: Review = .agent, maxConcurrentAgents: Int = 4,
        workspaceRoot: String = "~/maestro_workspaces", afterCreate: String = "git init --quiet .",
        codexCommand: String = "codex app-server"
    ) {
        self.tracker = tracker
        self.linearProject = linearProject
        self.review = review
        self.maxConcurrentAgents = maxConcurrentAgents
        self.workspaceRoot = workspaceRoot
        self.afterCreate = afterCreate
        self.codexCommand = codexCommand
    }

    /// The states of each tracker, as its defaults name them.
    private var states: (active: String, terminal: String, claim: String, review: String, done: String) {
        switch tracker {
        case .kanban: ("[todo, in_progress]", "[done, cancelled]", "in_progress", "human_review", "done")
        case .linear: ("[Todo, In Progress]", "[Done, Canceled, Cancelled, Duplicate]", "In Progress", "Human Review", "Done")
        }
    }

    public var text: String {
        let states = states
        var lines = [
            "---",
            "# The policy maestro runs this repository by: `maestro validate` checks it, `maestro graph` draws",
            "# its lifecycle, and `maestro run` drives issues through it. maestro's Specs/workflow.md lists every key.",
            "",
            "tracker:",
        ]
        switch tracker {
        case .kanban:
            lines.append(Self.line("  kind: kanban", "maestro's local board, kept in its SQLite database"))
        case .linear:
            lines += [
                "  kind: linear",
                Self.line("  project_slug: \(Self.yamlScalar(linearProject ?? "your-project-slug"))", "the end of the Linear project's URL"),
                Self.line("  api_key: $LINEAR_API_KEY", "read from the environment, never written here"),
            ]
        }
        lines += [
            Self.line("  active_states: \(states.active)", "issues in these states are worked on"),
            Self.line("  terminal_states: \(states.terminal)", "issues here are closed and their workspaces removed"),
            Self.line("  claim_state: \(Self.yamlScalar(states.claim))", "written when maestro claims an issue"),
        ]
        if review != .off {
            lines.append(Self.line("  review_state: \(Self.yamlScalar(states.review))", "the agent moves an issue here when it is ready for review"))
        }
        lines += [
            Self.line("  done_state: \(Self.yamlScalar(states.done))", "the done phase runs here, then the issue closes"),
            "",
            "workspace:",
            Self.line("  root: \(Self.yamlScalar(workspaceRoot))", "one directory per issue below this root"),
            "",
            "hooks:",
            Self.line("  after_create: |", "fills a new workspace"),
            Self.indented(afterCreate, by: 4),
            "  timeout_ms: 120000",
            "",
            "agent:",
            "  max_concurrent_agents: \(maxConcurrentAgents)",
            "  max_turns: 20",
            Self.line("  max_automatic_retries: 5", "then the issue is blocked until an operator retries it"),
            "",
            "codex:",
            Self.line("  command: \(Self.yamlScalar(codexCommand))", "run with `bash -lc` inside the workspace"),
            Self.line("  approval_policy: never", "`on-request` blocks the issue until an operator approves"),
            "  thread_sandbox: workspace-write",
            "",
            "server:",
            Self.line("  port: 8787", "dashboard and API on 127.0.0.1"),
            "",
            "phases:",
            "  review:",
        ]
        let move = tracker == .kanban ? "kanban_move" : "linear_move_issue"
        switch review {
        case .agent:
            lines += [
                "    enabled: true",
                "    prompt: |",
                "      Review the change made for {{ issue.identifier }}: {{ issue.title }}.",
                "      Run the tests. If the work is complete and correct, move the issue to `\(states.done)` with",
                "      `\(move)`; otherwise comment what must change and move it back to `\(states.claim)`.",
            ]
        case .human:
            lines += [Self.line("    enabled: true", "no prompt: a person reviews and moves the issue on")]
        case .off:
            lines += ["    enabled: false"]
        }
        let handoff = review == .off ? states.done : states.review
        lines += [
            "  done:",
            "    enabled: true",
            "    prompt: |",
            "      {{ issue.identifier }} was approved. Commit the work on branch",
            "      {{ issue.branch_name | default: issue.identifier }} with a message that names the issue.",
            "---",
            "You are working on {{ issue.identifier }}: {{ issue.title }}",
            "",
            "{% if issue.description %}{{ issue.description }}{% else %}No description was given.{% endif %}",
            "{% if attempt %}This is attempt {{ attempt }}: check the workspace for earlier progress first.{% endif %}",
            "",
            "Work in the current directory. When the implementation is complete and tested, move the issue",
            "to `\(handoff)` with `\(move)` and summarise what you changed in a comment.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A line with its comment aligned at column 40.
    private static func line(_ text: String, _ comment: String) -> String {
        text.padding(toLength: max(text.count + 1, 39), withPad: " ", startingAt: 0) + " # " + comment
    }

    /// A YAML plain scalar when that is safe, else a double-quoted one.
    static func yamlScalar(_ value: String) -> String {
        let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "_-./~$ ".contains($0) }
        if plain && !value.isEmpty && value.first != " " && value.last != " " && !value.hasPrefix("-") { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    private static func indented(_ script: String, by spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return script.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
    }
}
