import ArgumentParser
import Foundation
import Runtime

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Manage projects.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project.")
        @Argument(help: "The project's name.") var name: String
        @Option(help: "The identifier prefix (letters and digits, e.g. MAE); derived from the name by default.")
        var key: String?
        @Option(help: "A description.") var description: String?
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.run(create: true) { api in
                let project = try await api.createProject(NewProject(name: name, key: key, description: description))
                try options.print(project) { "Created project \(project.key) (\(project.name))" }
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
