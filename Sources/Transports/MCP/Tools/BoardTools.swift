import Foundation
import Runtime

// The server, projects and comments. Bodies parse, call the Runtime API and return its objects.

/// `server_info`'s data: who serves this endpoint.
struct ServerInfoView: Encodable, Sendable {
    var identity: MCPServerIdentity
    /// Whether the Runtime API has the live orchestrator (false only for a board-only server).
    var live: Bool

    enum CodingKeys: String, CodingKey {
        case live
    }

    func encode(to encoder: any Encoder) throws {
        try identity.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(live, forKey: .live)
    }
}

extension ToolCatalog {
    static let serverTools: [ToolSpec] = [
        ToolSpec(
            "server_info", "The daemon behind this endpoint: store id, database, pid, start time, maestro version.", readOnly: true
        ) { _, context in
            ServerInfoView(identity: context.identity, live: context.api.live != nil)
        },
        ToolSpec(
            "board_overview", "Issue counts by tracker state and by lifecycle state, and the projects.", readOnly: true
        ) { _, context in
            try await context.api.boardOverview()
        },
    ]

    static let projectTools: [ToolSpec] = [
        ToolSpec("list_projects", "Every project, ordered by key, with its tracker and issue count.", readOnly: true) { _, context in
            try await context.api.projects()
        },
        ToolSpec(
            "create_project", "Creates a project (a kanban board by default).",
            parameters: [
                .string("name", required: true, "The project's name (unique)."),
                .string("key", "The identifier prefix, 1-10 ASCII letters or digits starting with a letter; derived from the name when absent."),
                .string("description", "A description."),
                .string("provider", "The tracker: kanban (default) or another provider this maestro has."),
                .string("external_id", "The project's id in a remote tracker."),
                .stringMap("settings", "Non-secret provider options."),
            ],
            readOnly: false
        ) { arguments, context in
            try await context.api.createProject(
                NewProject(
                    name: arguments.text("name"), key: arguments.string("key"), description: arguments.string("description"),
                    provider: arguments.string("provider") ?? "kanban", externalId: arguments.string("external_id"),
                    settings: arguments.stringMap("settings") ?? [:]))
        },
        ToolSpec(
            "update_project", "Renames a project or changes its description.",
            parameters: [
                .string("project", required: true, "The project's key or name."),
                .string("name", "A new name (unique)."),
                .string("description", "A new description."),
            ],
            readOnly: false
        ) { arguments, context in
            let changes = ProjectChanges(name: arguments.string("name"), description: arguments.string("description"))
            guard changes.name != nil || changes.description != nil else {
                throw APIError(.invalidValue, "update_project needs 'name' or 'description'")
            }
            return try await context.api.updateProject(arguments.text("project"), changes)
        },
        ToolSpec(
            "delete_project", "Deletes a project with its issues; the transition log keeps their history.",
            parameters: [.string("project", required: true, "The project's key or name.")], readOnly: false, destructive: true
        ) { arguments, context in
            try await context.api.deleteProject(arguments.text("project"))
        },
    ]

    static let commentTools: [ToolSpec] = [
        ToolSpec(
            "list_comments", "An issue's comments, oldest first.",
            parameters: [.string("identifier", required: true, "The issue's identifier, e.g. MAE-12.")], readOnly: true
        ) { arguments, context in
            try await context.api.comments(arguments.text("identifier"))
        },
        ToolSpec(
            "add_comment", "Adds a comment to an issue.",
            parameters: [
                .string("identifier", required: true, "The issue's identifier."),
                .string("body", required: true, "The comment's text."),
                .string("author", "Who writes it; default 'mcp'."),
            ],
            readOnly: false
        ) { arguments, context in
            try await context.api.comment(on: arguments.text("identifier"), body: arguments.text("body"), author: arguments.string("author") ?? "mcp")
        },
    ]
}
