import Adapters
import ArgumentParser
import Foundation
import Runtime
import StateMachine

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Manage kanban projects.",
        subcommands: [Create.self, List.self, Show.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project.")
        @Argument(help: "The project's name.") var name: String
        @Option(help: "The identifier prefix (letters and digits, e.g. MAE); derived from the name by default.")
        var key: String?
        @Option(help: "A description.") var description: String?
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let project = try await options.board().createProject(name: name, key: key, description: description)
                if options.json { return printOut(try encodeJSON(ProjectJSON(project, issueCount: 0))) }
                printOut("Created project \(project.key) (\(project.name))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let projects = try await options.board().projects()
                if options.json { return printOut(try encodeJSON(projects.map { ProjectJSON($0.project, issueCount: $0.issues) })) }
                guard !projects.isEmpty else { return printOut("No projects. Create one with `maestro project create NAME`.") }
                printOut(
                    table(
                        ["KEY", "NAME", "ISSUES", "DESCRIPTION"],
                        projects.map { [$0.project.key, $0.project.name, String($0.issues), $0.project.description ?? ""] }))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a project and its issues by state.")
        @Argument(help: "The project's key or name.") var project: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let board = try options.board()
                let project = try await board.project(project)
                let issues = try await board.issues(project: project.key)
                if options.json {
                    struct Output: Encodable {
                        var project: ProjectJSON
                        var issues: [IssueJSON]
                    }
                    return printOut(
                        try encodeJSON(Output(project: ProjectJSON(project, issueCount: issues.count), issues: issues.map { IssueJSON($0) })))
                }
                var lines = ["\(project.key)  \(project.name)"]
                if let description = project.description { lines.append(description) }
                lines.append("")
                for column in board.rules.columns {
                    let count = issues.filter { $0.trackerState == column }.count
                    lines.append("  \(column.padding(toLength: 14, withPad: " ", startingAt: 0)) \(count)")
                }
                printOut(lines.joined(separator: "\n"))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a project and its issues.")
        @Argument(help: "The project's key or name.") var project: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            try await options.reportingErrors {
                let deleted = try await options.board().deleteProject(project)
                if options.json { return printOut(try encodeJSON(ProjectJSON(deleted))) }
                printOut("Deleted project \(deleted.key)")
            }
        }
    }
}
