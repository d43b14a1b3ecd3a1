import Adapters
import ArgumentParser
import Foundation
import Runtime
import StateMachine

struct IssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue", abstract: "Manage kanban issues.",
        subcommands: [
            Create.self, List.self, Show.self, Move.self, Update.self, Comment.self, Delete.self, Retry.self, Cancel.self,
            Pause.self, Resume.self, Answer.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an issue.")
        @Option(help: "The project's key or name.") var project: String
        @Option(help: "The title.") var title: String
        @Option(help: "A description.") var description: String?
        @Option(help: "1 (urgent) to 4 (low).") var priority: Int?
        @Option(help: "A tracker state of the workflow; the first active state by default.") var state: String?
        @Option(name: .customLong("label"), help: "A label (repeatable).") var labels: [String] = []
        @Option(name: .customLong("blocked-by"), help: "An identifier of a blocking issue (repeatable).")
        var blockedBy: [String] = []
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let new = NewIssue(
                    title: title, description: description, priority: priority, state: state, labels: labels,
                    blockedBy: blockedBy)
                let board = try options.board()
                let issue = try await board.createIssue(in: project, new)
                if options.json {
                    // The stored blockers (deduplicated, by identifier), as `issue show` reports them.
                    let blockers = try await board.detail(issue.identifier).blockers.map(\.identifier)
                    return printOut(try encodeJSON(IssueJSON(issue, blockedBy: blockers)))
                }
                printOut("Created \(issue.identifier): \(issue.title) (\(issue.trackerState), \(issue.lifecycleState.rawValue))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issues.")
        @Option(help: "Only this project.") var project: String?
        @Option(help: "Only this tracker state.") var state: String?
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let issues = try await options.board().issues(project: project, state: state)
                if options.json { return printOut(try encodeJSON(issues.map { IssueJSON($0) })) }
                guard !issues.isEmpty else { return printOut("No issues.") }
                printOut(
                    table(
                        ["ID", "STATE", "LIFECYCLE", "PRI", "TITLE", "LABELS"],
                        issues.map {
                            [
                                $0.identifier, $0.trackerState, $0.lifecycleState.rawValue, $0.priority.map(String.init) ?? "-",
                                $0.title, $0.labels.joined(separator: ","),
                            ]
                        }))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an issue with its transition history.")
        @Argument(help: "The identifier, e.g. MAE-12.") var identifier: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let detail = try await options.board().detail(identifier)
                if options.json { return printOut(try encodeJSON(IssueDetailJSON(detail))) }
                printOut(IssueDetailText.render(detail))
            }
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move an issue to a tracker state.")
        @Argument(help: "The identifier.") var identifier: String
        @Argument(help: "The tracker state.") var state: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let issue = try await options.board().move(identifier, to: state)
                if options.json { return printOut(try encodeJSON(IssueJSON(issue))) }
                printOut("\(issue.identifier) -> \(issue.trackerState) (\(issue.lifecycleState.rawValue))")
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Edit an issue's fields, labels or blockers.")
        @Argument(help: "The identifier.") var identifier: String
        @Option(help: "A new title.") var title: String?
        @Option(help: "A new description.") var description: String?
        @Option(help: "1 (urgent) to 4 (low); 0 clears it.") var priority: Int?
        @Option(name: .customLong("add-label"), help: "Add a label (repeatable).") var addLabels: [String] = []
        @Option(name: .customLong("remove-label"), help: "Remove a label (repeatable).") var removeLabels: [String] = []
        @Option(name: .customLong("add-blocker"), help: "Add a blocking issue (repeatable).") var addBlockers: [String] = []
        @Option(name: .customLong("remove-blocker"), help: "Remove a blocking issue (repeatable).")
        var removeBlockers: [String] = []
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                var changes = IssueChanges()
                changes.title = title
                changes.description = description
                if priority == 0 { changes.clearPriority = true } else { changes.priority = priority }
                changes.addLabels = addLabels
                changes.removeLabels = removeLabels
                changes.addBlockers = addBlockers
                changes.removeBlockers = removeBlockers
                let issue = try await options.board().update(identifier, changes)
                if options.json { return printOut(try encodeJSON(IssueJSON(issue))) }
                printOut("Updated \(issue.identifier) (\(issue.lifecycleState.rawValue))")
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
            try await options.reportingErrors {
                let comment = try await options.board().comment(identifier, body: body, author: author)
                if options.json {
                    return printOut(
                        try encodeJSON(IssueDetailJSON.Comment(author: comment.author, body: comment.body, at: iso8601(comment.createdAt))))
                }
                printOut("Commented on \(identifier.uppercased())")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an issue (its transition history stays in the log).")
        @Argument(help: "The identifier.") var identifier: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let issue = try await options.board().deleteIssue(identifier)
                if options.json { return printOut(try encodeJSON(IssueJSON(issue))) }
                printOut("Deleted \(issue.identifier)")
            }
        }
    }
}

enum IssueDetailText {
    static func render(_ detail: IssueDetail) -> String {
        let issue = detail.issue
        var lines = [
            "\(issue.identifier)  \(issue.title)",
            "project:    \(detail.project.key)",
            "state:      \(issue.trackerState)",
            "lifecycle:  \(issue.lifecycleState.rawValue) (version \(issue.version), phase \(issue.phase.rawValue), failures \(issue.attempt))",
            "priority:   \(issue.priority.map(String.init) ?? "none")",
            "labels:     \(issue.labels.isEmpty ? "none" : issue.labels.joined(separator: ", "))",
            "blocked by: \(detail.blockers.isEmpty ? "none" : detail.blockers.map { "\($0.identifier) (\($0.trackerState))" }.joined(separator: ", "))",
        ]
        if let reason = issue.blockReason { lines.append("blocked on: \(reason.rawValue)") }
        if let due = issue.dueAt { lines.append("due:        \(iso8601(due))") }
        if let error = issue.lastError { lines.append("last error: \(error)") }
        let total = detail.sessions.reduce(0) { $0 + $1.totalTokens }
        lines.append("sessions:   \(detail.sessions.count) (tokens: \(total) total)")
        if let description = issue.description, !description.isEmpty { lines += ["", description] }
        if !detail.comments.isEmpty {
            lines += ["", "Comments:"] + detail.comments.map { "  \(iso8601($0.createdAt))  \($0.author): \($0.body)" }
        }
        lines += ["", "History:"]
        if detail.history.isEmpty { lines.append("  (no transitions)") }
        lines += detail.history.map { record in
            "  #\(record.seq ?? 0)  \(iso8601(record.at))  \(record.fromState.rawValue) -> \(record.toState.rawValue)  \(record.event.rawValue)"
        }
        return lines.joined(separator: "\n")
    }
}
