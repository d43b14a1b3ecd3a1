public import ArgumentParser
import Foundation
import WorkflowParser

extension WorkflowTemplate.Tracker: ExpressibleByArgument {}
extension WorkflowTemplate.Review: ExpressibleByArgument {}

/// `maestro init [DIR]`: a commented WORKFLOW.md for the repository in DIR.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented WORKFLOW.md for the repository in DIR.",
        discussion: """
            Asks a few questions (answers are read line by line from standard input; an empty line or the \
            end of input takes the default). --defaults asks nothing. An existing WORKFLOW.md is kept \
            unless --force. The file written passes `maestro validate`.
            """
    )

    @Argument(help: "The repository's directory.")
    var directory = "."

    @Flag(help: "Ask nothing: take the defaults and the options given (for scripts).")
    var defaults = false

    @Flag(help: "Overwrite an existing WORKFLOW.md.")
    var force = false

    @Option(help: "The tracker: kanban (maestro's local board) or linear.")
    var tracker: WorkflowTemplate.Tracker?

    @Option(help: "The Linear project's slug (the end of its URL); needed with --tracker linear.")
    var linearProject: String?

    @Option(help: "Who reviews an implementation: agent, human or off.")
    var review: WorkflowTemplate.Review?

    @Option(help: "How many agents may run at once.")
    var maxAgents: Int?

    @Option(help: "Where per-issue workspaces live. Default: ~/maestro_workspaces/<directory name>.")
    var workspaceRoot: String?

    @Option(help: "The Codex app-server command.")
    var codexCommand: String?

    func validate() throws {
        if let maxAgents, maxAgents < 1 { throw ValidationError("--max-agents must be at least 1, got \(maxAgents)") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            printError("maestro init: \(directory) is not a directory")
            throw ExitCode(1)
        }
        let target = folder.appendingPathComponent("WORKFLOW.md")
        if FileManager.default.fileExists(atPath: target.path) && !force {
            printError("maestro init: \(target.path) exists; it is kept (--force overwrites it)")
            throw ExitCode(1)
        }
        var template = suggestion(for: folder)
        if !defaults { try ask(into: &template) }
        if template.tracker == .linear && (template.linearProject ?? "").isEmpty {
            printError("maestro init: a Linear workflow needs its project: --linear-project SLUG (the end of the project's URL)")
            throw ExitCode(2)
        }
        // The text is checked before it is written: a file init writes always validates.
        var environment = ProcessInfo.processInfo.environment
        let missingKey = template.tracker == .linear && (environment["LINEAR_API_KEY"] ?? "").isEmpty
        if missingKey { environment["LINEAR_API_KEY"] = "unset" }
        do {
            _ = try WorkflowLoader.parse(template.text, file: target.path, baseDirectory: folder.path, environment: environment)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            printError("maestro init: these answers make an invalid workflow; nothing was written")
            throw ExitCode(1)
        }
        do {
            try template.text.write(to: target, atomically: true, encoding: .utf8)
        } catch {
            printError("maestro init: cannot write \(target.path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let shown = directory == "." ? "WORKFLOW.md" : target.path
        printOut(
            """
            wrote \(shown) (tracker \(template.tracker.rawValue), review \(template.review.rawValue), \
            \(template.maxConcurrentAgents) agent\(template.maxConcurrentAgents == 1 ? "" : "s") at once)
            next: maestro validate \(shown)   then   maestro run \(shown)
            """)
        if missingKey { printOut("note: export LINEAR_API_KEY (a Linear personal API key) before `maestro run`") }
    }

    /// The defaults for `folder`, with the options given applied.
    func suggestion(for folder: URL) -> WorkflowTemplate {
        let isRepository = FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path)
        let quotedFolder = "'" + folder.path.replacingOccurrences(of: "'", with: "'\\''") + "'"
        var template = WorkflowTemplate(
            workspaceRoot: "~/maestro_workspaces/\(folder.lastPathComponent)",
            afterCreate: isRepository ? "git clone --quiet \(quotedFolder) ." : "git init --quiet .")
        if let tracker { template.tracker = tracker }
        if let linearProject { template.linearProject = linearProject }
        if let review { template.review = review }
        if let maxAgents { template.maxConcurrentAgents = maxAgents }
        if let workspaceRoot { template.workspaceRoot = workspaceRoot }
        if let codexCommand { template.codexCommand = codexCommand }
        return template
    }

    /// Asks for whatever no option settled.
    private func ask(into template: inout WorkflowTemplate) throws {
        var questions = Questions()
        if tracker == nil {
            template.tracker = try questions.choose("Tracker: kanban (maestro's local board) or linear", default: template.tracker)
        }
        if template.tracker == .linear && linearProject == nil {
            let slug = questions.text("Linear project slug (the end of the project's URL)", default: "")
            template.linearProject = slug.isEmpty ? nil : slug
        }
        if review == nil {
            template.review = try questions.choose("Review by: agent, human or off", default: template.review)
        }
        if maxAgents == nil {
            template.maxConcurrentAgents = try questions.number("Agents at once", default: template.maxConcurrentAgents)
        }
        if workspaceRoot == nil {
            template.workspaceRoot = questions.text("Workspaces under", default: template.workspaceRoot)
        }
    }
}

/// Questions on standard error, answers from standard input; an empty answer or the end of input
/// takes the default.
struct Questions {
    private var ended = false

    mutating func text(_ question: String, default value: String) -> String {
        FileHandle.standardError.write(Data("\(question) [\(value)]: ".utf8))
        guard !ended, let line = readLine() else {
            ended = true
            FileHandle.standardError.write(Data("\n".utf8))
            return value
        }
        let answer = line.trimmingCharacters(in: .whitespaces)
        return answer.isEmpty ? value : answer
    }

    mutating func choose<Choice: RawRepresentable & CaseIterable>(_ question: String, default value: Choice) throws -> Choice
    where Choice.RawValue == String {
        let answer = text(question, default: value.rawValue).lowercased()
        guard let choice = Choice(rawValue: answer) else {
            printError("maestro init: '\(answer)' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
            throw ExitCode(2)
        }
        return choice
    }

    mutating func number(_ question: String, default value: Int) throws -> Int {
        let answer = text(question, default: String(value))
        guard let number = Int(answer), number > 0 else {
            printError("maestro init: '\(answer)' is not a positive number")
            throw ExitCode(2)
        }
        return number
    }
}
