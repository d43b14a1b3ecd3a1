import ArgumentParser
import Foundation
import Runtime
import StateMachine

struct IssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue", abstract: "Manage issues and steer their lifecycle.",
        subcommands: [
            Create.self, List.self, Show.self, Move.self, Update.self, Comment.self, Delete.self, Retry.self, Cancel.self,
            Pause.self, Resume.self, Answer.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an issue.")
        @Option(help: "The project's key or name.") var project: String
        @Option(help: "The title.") var title: String
        @OptionGroup var text: DescriptionOptions
        @Option(help: "1 (urgent) to 4 (low).") var priority: Int?
        @Option(help: "A tracker state of the workflow; the first active state by default.") var state: String?
        @Option(name: .customLong("label"), help: "A label (repeatable).") var labels: [String] = []
        @Option(name: .customLong("blocked-by"), help: "An identifier of a blocking issue (repeatable).")
        var blockedBy: [String] = []
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let issue = try await api.createIssue(
                    in: project,
                    NewIssue(
                        title: title, description: try text.resolved(), priority: priority, state: state, labels: labels, blockedBy: blockedBy))
                try options.print(issue) { "Created \(issue.identifier): \(issue.title) (\(issue.state), \(issue.lifecycle.state.rawValue))" }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issues in dispatch order.")
        @Option(help: "Only this project.") var project: String?
        @Option(help: "Only this tracker state.") var state: String?
        @Option(help: "Only this lifecycle state: \(LifecycleState.allCases.map(\.rawValue).joined(separator: ", ")).")
        var lifecycle: String?
        @Option(help: "Only issues with this label.") var label: String?
        @Option(help: "Only issues whose identifier or title contains this text.") var search: String?
        @Option(help: "At most this many issues.") var limit: Int?
        @Option(help: "Continue after this cursor (`next_cursor` of the previous page).") var cursor: String?
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let page = try await api.issues(
                    IssueQuery(
                        project: project, state: state, lifecycle: try lifecycle.map(Self.lifecycleState), label: label, search: search, limit: limit,
                        cursor: cursor))
                try options.print(page) {
                    guard !page.items.isEmpty else { return "No issues." }
                    var text = TextTable.render(
                        ["ID", "STATE", "LIFECYCLE", "PRI", "TITLE", "LABELS"],
                        page.items.map {
                            [
                                $0.identifier, $0.state, $0.lifecycle.state.rawValue, $0.priority.map(String.init) ?? "-", $0.title,
                                $0.labels.joined(separator: ","),
                            ]
                        })
                    if let next = page.nextCursor { text += "\nMore: --cursor \(next)" }
                    return text
                }
            }
        }

        static func lifecycleState(_ text: String) throws(APIError) -> LifecycleState {
            guard let state = LifecycleState(rawValue: text.lowercased()) else {
                throw APIError(
                    .invalidValue, "'\(text)' is not a lifecycle state (states: \(LifecycleState.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return state
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an issue: its lifecycle, history, runs and what it waits on.")
        @Argument(help: "The identifier, e.g. MAE-12.") var identifier: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let detail = try await api.issueDetail(identifier)
                try options.print(detail) { IssueDetailText.render(detail) }
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move an issue to a tracker state.")
        @Argument(help: "The identifier.") var identifier: String
        @Argument(help: "The tracker state.") var state: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let issue = try await api.moveIssue(identifier, to: state)
                try options.print(issue) { "\(issue.identifier) -> \(issue.state) (\(issue.lifecycle.state.rawValue))" }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Edit an issue's fields, labels or blockers.")
        @Argument(help: "The identifier.") var identifier: String
        @Option(help: "A new title.") var title: String?
        @OptionGroup var text: DescriptionOptions
        @Option(help: "1 (urgent) to 4 (low); 0 clears it.") var priority: Int?
        @Option(name: .customLong("add-label"), help: "Add a label (repeatable).") var addLabels: [String] = []
        @Option(name: .customLong("remove-label"), help: "Remove a label (repeatable).") var removeLabels: [String] = []
        @Option(name: .customLong("add-blocker"), help: "Add a blocking issue (repeatable).") var addBlockers: [String] = []
        @Option(name: .customLong("remove-blocker"), help: "Remove a blocking issue (repeatable).")
        var removeBlockers: [String] = []
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let changes = IssueChanges(
                    title: title, description: try text.resolved(), priority: priority == 0 ? nil : priority, clearPriority: priority == 0,
                    addLabels: addLabels, removeLabels: removeLabels, addBlockers: addBlockers, removeBlockers: removeBlockers)
                let issue = try await api.updateIssue(identifier, changes)
                try options.print(issue) { "Updated \(issue.identifier) (\(issue.lifecycle.state.rawValue))" }
            }
        }
    }

    struct Comment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Comment on an issue.")
        @Argument(help: "The identifier.") var identifier: String
        @Argument(help: "The comment.") var body: String
        @Option(help: "Who is commenting.") var author = "operator"
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let comment = try await api.comment(on: identifier, body: body, author: author)
                try options.print(comment) { "Commented on \(comment.issue)" }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an issue (its transition history stays in the log).")
        @Argument(help: "The identifier.") var identifier: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let issue = try await api.deleteIssue(identifier)
                try options.print(issue) { "Deleted \(issue.identifier)" }
            }
        }
    }
}

enum IssueDetailText {
    static func render(_ detail: IssueDetailView) -> String {
        let issue = detail.issue
        let lifecycle = issue.lifecycle
        var lines = [
            "\(issue.identifier)  \(TextTable.clean(issue.title))",
            "project:    \(issue.project) (\(issue.provider))",
            "state:      \(issue.state)",
            "lifecycle:  \(lifecycle.state.rawValue) (version \(lifecycle.version), phase \(lifecycle.phase.rawValue), failures in a row \(lifecycle.attempt))",
            "priority:   \(issue.priority.map(String.init) ?? "none")",
            "labels:     \(issue.labels.isEmpty ? "none" : issue.labels.joined(separator: ", "))",
            "blocked by: \(issue.blockedBy.isEmpty ? "none" : issue.blockedBy.map { "\($0.identifier ?? "?") (\($0.state ?? "?"))" }.joined(separator: ", "))",
        ]
        if let reason = lifecycle.blockReason { lines.append("blocked on: \(reason.rawValue)") }
        if let due = lifecycle.dueAt { lines.append("due:        \(MaestroJSON.timestamp(due))") }
        if let error = lifecycle.lastError { lines.append("last error: \(error)") }
        if let workspace = detail.workspace, workspace.removedAt == nil { lines.append("workspace:  \(workspace.path)") }
        lines.append("sessions:   \(detail.sessions.count) (tokens: \(detail.tokens.totalTokens) total)")
        if !detail.allowedCommands.isEmpty { lines.append("commands:   \(detail.allowedCommands.joined(separator: ", "))") }
        for request in detail.pendingRequests {
            lines += ["", "Waiting on \(request.kind) \(request.id): \(request.summary)"]
            for question in request.detail.questions {
                lines.append("  \(question.question)" + (question.options.isEmpty ? "" : " [\(question.options.joined(separator: " / "))]"))
            }
            if let command = request.detail.command { lines.append("  command: \(command)") }
            if let reason = request.detail.reason { lines.append("  reason:  \(reason)") }
            let answer = request.accepts.isEmpty ? "'<your answer>'" : request.accepts.joined(separator: "|")
            lines.append("  answer:  maestro issue answer \(issue.identifier) \(answer) --request \(request.id)")
        }
        if let description = issue.description, !description.isEmpty { lines += ["", description] }
        if !detail.comments.isEmpty {
            lines += ["", "Comments:"] + detail.comments.map { "  \(MaestroJSON.timestamp($0.createdAt))  \($0.author): \($0.body)" }
        }
        lines += ["", "History:"]
        if detail.transitions.isEmpty { lines.append("  (no transitions)") }
        lines += detail.transitions.map { record in
            "  #\(record.seq)  \(MaestroJSON.timestamp(record.at))  \(record.from.rawValue) -> \(record.to.rawValue)  \(record.event.rawValue)"
        }
        return lines.joined(separator: "\n")
    }
}
