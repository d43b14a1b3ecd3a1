import Foundation
import Runtime
import StateMachine

extension ToolCatalog {
    static let identifier = ToolParameter.string("identifier", required: true, "The issue's identifier, e.g. MAE-12.")

    static let issueTools: [ToolSpec] = [
        ToolSpec(
            "list_issues",
            "Issues, filtered and sorted, one page at a time: pass next_cursor back as cursor (with the same sort).",
            parameters: [
                .string("project", "A project's key or name."),
                .string("state", "A tracker state (a kanban column)."),
                .choice("lifecycle", LifecycleState.allCases.map(\.rawValue), "A lifecycle state."),
                .string("label", "Issues with this label."),
                .string("search", "Text the identifier or title contains (case-insensitive)."),
                .integer("limit", min: 1, max: 500, "Issues per page; default 50."),
                .string("cursor", "The next_cursor of the previous page."),
                .choice(
                    "sort", IssueOrder.allCases.map(\.rawValue),
                    "dispatch (default: priority 1-4, none last, oldest first), created (newest first), updated (most recent first) or identifier."),
            ],
            readOnly: true
        ) { arguments, context in
            try await context.api.issues(
                IssueQuery(
                    project: arguments.string("project"), state: arguments.string("state"),
                    lifecycle: arguments.string("lifecycle").flatMap(LifecycleState.init(rawValue:)), label: arguments.string("label"),
                    search: arguments.string("search"), limit: arguments.int("limit") ?? 50, cursor: arguments.string("cursor"),
                    order: arguments.string("sort").flatMap(IssueOrder.init(rawValue:)) ?? .dispatch))
        },
        ToolSpec("get_issue", "One issue: its tracker facts and its lifecycle.", parameters: [identifier], readOnly: true) { arguments, context in
            try await context.api.issue(arguments.text("identifier"))
        },
        ToolSpec(
            "create_issue", "Creates an issue in a project's tracker; the daemon then judges it (queued, released, ...).",
            parameters: [
                .string("project", required: true, "The project's key or name."),
                .string("title", required: true, "The title (not empty)."),
                .string("description", "A description."),
                .integer("priority", min: 1, max: 4, "1 (urgent) to 4 (low); none when absent."),
                .string("state", "A tracker state; the first active one when absent."),
                .strings("labels", "Labels (trimmed, lowercased)."),
                .strings("blocked_by", "Identifiers of the issues that block this one."),
            ],
            readOnly: false
        ) { arguments, context in
            try await context.api.createIssue(
                in: arguments.text("project"),
                NewIssue(
                    title: arguments.text("title"), description: arguments.string("description"), priority: arguments.int("priority"),
                    state: arguments.string("state"), labels: arguments.strings("labels") ?? [], blockedBy: arguments.strings("blocked_by") ?? []))
        },
        ToolSpec(
            "update_issue", "Edits an issue; every change commits together or not at all. At least one change.",
            parameters: [
                identifier,
                .string("title", "A new title (not empty)."),
                .string("description", "A new description."),
                .integer("priority", min: 1, max: 4, "A new priority, 1 (urgent) to 4 (low)."),
                .boolean("clear_priority", "Remove the priority."),
                .strings("add_labels", "Labels to add."),
                .strings("remove_labels", "Labels to remove."),
                .strings("add_blockers", "Identifiers of issues that now block this one."),
                .strings("remove_blockers", "Identifiers of issues that no longer block it (each must block it now)."),
            ],
            readOnly: false
        ) { arguments, context in
            try await context.api.updateIssue(
                arguments.text("identifier"),
                IssueChanges(
                    title: arguments.string("title"), description: arguments.string("description"), priority: arguments.int("priority"),
                    clearPriority: arguments.bool("clear_priority") ?? false, addLabels: arguments.strings("add_labels") ?? [],
                    removeLabels: arguments.strings("remove_labels") ?? [], addBlockers: arguments.strings("add_blockers") ?? [],
                    removeBlockers: arguments.strings("remove_blockers") ?? []))
        },
        ToolSpec(
            "move_issue", "Moves an issue to a tracker state (a kanban column); the daemon judges what it means for the lifecycle.",
            parameters: [identifier, .string("state", required: true, "The tracker state to move to.")], readOnly: false
        ) { arguments, context in
            try await context.api.moveIssue(arguments.text("identifier"), to: arguments.string("state") ?? "")
        },
        ToolSpec(
            "set_blockers", "Makes exactly these issues block the issue (an empty list removes every blocker).",
            parameters: [identifier, .strings("blockers", required: true, "Identifiers of the issues that should block it.")], readOnly: false
        ) { arguments, context in
            try await setBlockers(arguments.text("identifier"), to: arguments.strings("blockers") ?? [], api: context.api)
        },
        ToolSpec(
            "delete_issue", "Deletes an issue with its comments and blocker links; the transition log keeps its history.",
            parameters: [identifier], readOnly: false, destructive: true
        ) { arguments, context in
            try await context.api.deleteIssue(arguments.text("identifier"))
        },
    ]

    /// The blockers as `IssueChanges` relative to the current ones; no write when they already match.
    static func setBlockers(_ identifier: String, to wanted: [String], api: RuntimeAPI) async throws -> IssueView {
        let issue = try await api.issue(identifier)
        let current = issue.blockedBy.compactMap { $0.identifier?.uppercased() }
        var target: [String] = []
        for name in wanted.map({ $0.trimmingCharacters(in: .whitespaces).uppercased() }) where !target.contains(name) {
            target.append(name)
        }
        let changes = IssueChanges(
            addBlockers: target.filter { !current.contains($0) }, removeBlockers: current.filter { !target.contains($0) })
        guard !changes.isEmpty else { return issue }
        return try await api.updateIssue(identifier, changes)
    }
}
