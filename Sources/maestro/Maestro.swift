import ArgumentParser
import Foundation

/// The `maestro` command line.
struct Maestro: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maestro",
        abstract: "A local-first orchestrator for coding agents.",
        discussion: """
            Exit codes: 0 success, 1 invalid workflow or failed command, 2 usage error, 3 no live daemon (`status`), 130 `maestro run` stopped by a second signal.
            """,
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, GraphCommand.self, RunCommand.self, MCPCommand.self, ProjectCommand.self, IssueCommand.self, DemoCommand.self,
            InitCommand.self, DoctorCommand.self, StatusCommand.self, LogsCommand.self, CompletionsCommand.self, DemoAgentCommand.self,
        ]
    )
}

@main
enum Entry {
    static func main() async {
        do {
            var command = try Maestro.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Usage errors exit 2, as documented; ArgumentParser's own default is 64.
            if Maestro.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((Maestro.fullMessage(for: error) + "\n").utf8))
                Maestro.exit(withError: ExitCode(2))
            }
            Maestro.exit(withError: error)
        }
    }
}

/// Writes to standard output without touching the non-Sendable C `stdout` global.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
