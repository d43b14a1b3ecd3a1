import ArgumentParser
import Foundation
import Runtime

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Manage projects.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a project: a kanban board, or a mirror of a Linear project.",
            discussion: """
                A Linear-backed project (--provider linear --linear-project SLUG) takes its issues from Linear; \
                the API key is read from $LINEAR_API_KEY, or the variable --api-key-env names, and never stored.
                """)
        @Argument(help: "The project's name (a Linear project's own name when omitted).") var name: String?
        @Option(help: "The identifier prefix (letters and digits, e.g. MAE); derived from the name by default.")
        var key: String?
        @Option(help: "A description.") var description: String?
        @Option(help: "The tracker: kanban (default) or linear.") var provider = "kanban"
        @Option(help: "The Linear project's slug (the end of its URL) or id.") var linearProject: String?
        @Option(help: "Only issues assigned to this Linear user id, or `me` (the key's user).") var assignee: String?
        @Option(help: "The environment variable holding the Linear API key (default LINEAR_API_KEY).") var apiKeyEnv: String?
        @Option(help: "Linear's GraphQL endpoint (default https://api.linear.app/graphql).") var endpoint: String?
        @Option(help: "Issues per page when syncing, 1-250 (default 50).") var pageSize: Int?
        @Option(help: "The environment variable holding the webhook signing secret (webhooks stay off without it).")
        var webhookSecretEnv: String?
        @OptionGroup var options: StoreOptions

        func validate() throws {
            if provider == "kanban" {
                guard name != nil else { throw ValidationError("a kanban project needs a NAME") }
                let linearOnly = [linearProject, assignee, apiKeyEnv, endpoint, webhookSecretEnv].contains { $0 != nil } || pageSize != nil
                guard !linearOnly else { throw ValidationError("--linear-project and the Linear options need --provider linear") }
            } else if provider == "linear" {
                guard linearProject != nil else { throw ValidationError("--provider linear needs --linear-project SLUG") }
            }
        }

        func run() async throws {
            try await options.run(create: true) { api in
                var settings: [String: String] = [:]
                settings["assignee"] = assignee
                settings["api_key_env"] = apiKeyEnv
                settings["endpoint"] = endpoint
                settings["page_size"] = pageSize.map(String.init)
                settings["webhook_secret_env"] = webhookSecretEnv
                let project = try await api.createProject(
                    NewProject(
                        name: name ?? "", key: key, description: description, provider: provider, externalId: linearProject,
                        settings: settings))
                try options.print(project) {
                    project.provider == "kanban"
                        ? "Created project \(project.key) (\(project.name))"
                        : "Created project \(project.key) (\(project.name)), mirroring \(project.provider) project \(project.settings["slug"] ?? project.externalId ?? "?"); `maestro run` syncs its issues"
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let projects = try await api.projects()
                try options.print(projects) {
                    guard !projects.isEmpty else { return "No projects. Create one with `maestro project create NAME`." }
                    return TextTable.render(
                        ["KEY", "NAME", "TRACKER", "ISSUES", "DESCRIPTION"],
                        projects.map { [$0.key, $0.name, $0.provider, String($0.issueCount), $0.description ?? ""] })
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a project and its issues by tracker state.")
        @Argument(help: "The project's key or name.") var project: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let shown = try await api.project(project)
                let states = try await api.states(of: shown.key)
                let issues = try await api.issues(IssueQuery(project: shown.key)).items
                struct Output: Encodable {
                    var project: ProjectView
                    var issues: [IssueView]
                }
                try options.print(Output(project: shown, issues: issues)) {
                    var lines = ["\(shown.key)  \(shown.name)"]
                    if let description = shown.description { lines.append(description) }
                    lines.append("")
                    for state in states {
                        let count = issues.filter { $0.state == state }.count
                        lines.append("  \(state.padding(toLength: 14, withPad: " ", startingAt: 0)) \(count)")
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a project or change its description.")
        @Argument(help: "The project's key or name.") var project: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "A new description.") var description: String?
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let updated = try await api.updateProject(project, ProjectChanges(name: name, description: description))
                try options.print(updated) { "Updated project \(updated.key) (\(updated.name))" }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a project and its issues.")
        @Argument(help: "The project's key or name.") var project: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run { api in
                let deleted = try await api.deleteProject(project)
                try options.print(deleted) { "Deleted project \(deleted.key)" }
            }
        }
    }
}
