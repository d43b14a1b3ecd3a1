public import Foundation
public import StateMachine
import Yams

/// A loaded, validated WORKFLOW.md.
public struct Workflow: Sendable {
    /// The file as given.
    public var path: String
    public var config: WorkflowConfig
    /// The implementation prompt (the body).
    public var prompt: Template
    public var reviewPrompt: Template?
    public var donePrompt: Template?
    /// Warnings (unknown keys, ignored entries); loading succeeded despite them.
    public var warnings: [WorkflowDiagnostic]
    /// The lifecycle machine compiled from this config.
    public var machine: CompiledMachine

    /// Every variable path the prompts read, dotted and sorted.
    public var variablesUsed: [String] {
        let templates = [prompt] + [reviewPrompt, donePrompt].compactMap { $0 }
        return Set(templates.flatMap { $0.variableUses.map { $0.path.joined(separator: ".") } }).sorted()
    }
}

/// Loads WORKFLOW.md files: front matter, typed config, prompts, static template check, machine.
public enum WorkflowLoader {
    /// How prompt errors count.
    public enum PromptCheck: Sendable {
        /// A prompt error fails the load (the daemon, `validate`, `graph`).
        case strict
        /// Prompt errors become warnings and a failed prompt is replaced by the default one: for
        /// callers that need the tracker settings and never render a prompt (the board commands).
        case lenient
    }

    /// Loads and validates the file at `path`.
    /// - Throws: ``WorkflowError`` with every error found, each with its file position.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment, prompts: PromptCheck = .strict
    ) throws(WorkflowError) -> Workflow {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkflowError(diagnostics: [
                WorkflowDiagnostic(
                    .missingWorkflowFile, "cannot read workflow file '\(path)'",
                    hint: "pass the path of a WORKFLOW.md, or run in a directory that has one", file: path, line: 0,
                    column: 0)
            ])
        }
        let text = try decodedText(data, file: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        return try parse(text, file: path, baseDirectory: directory, environment: environment, prompts: prompts)
    }

    /// Parses WORKFLOW.md text; `baseDirectory` anchors a relative `workspace.root`.
    public static func parse(
        _ text: String, file: String, baseDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment, prompts: PromptCheck = .strict
    ) throws(WorkflowError) -> Workflow {
        let document: WorkflowDocument
        do {
            document = try WorkflowDocument.split(text)
        } catch {
            guard case .blankLinesBeforeFence(let count, let line) = error else {
                throw WorkflowError(diagnostics: [
                    WorkflowDiagnostic(
                        .workflowParseError, "front matter opened with '---' is never closed",
                        hint: "end the front matter with a line containing only '---'", file: file, line: 1, column: 1)
                ])
            }
            throw WorkflowError(diagnostics: [
                WorkflowDiagnostic(
                    .workflowParseError,
                    "the front matter must start on the first line, but \(count) blank line\(count == 1 ? "" : "s") come before its '---'",
                    hint: "remove the blank lines before '---'; otherwise the front matter is read as prompt text", file: file, line: line,
                    column: 1)
            ])
        }
        let root = try composeFrontMatter(document, file: file)
        var reader = ConfigReader(
            root: root, file: file, lineOffset: document.frontMatterFirstLine - 1, environment: environment)
        let config = reader.decodeConfig(baseDirectory: baseDirectory)
        var diagnostics = reader.diagnostics

        let body = document.body.isEmpty ? PromptSchema.defaultPrompt : document.body
        let bodyMapping = PositionMapping.body(line: document.bodyLine, column: document.bodyColumn)
        var prompt = compileTemplate(body, mapping: bodyMapping, file: file, into: &diagnostics)
        let fileLines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map(String.init)
        func phasePrompt(_ path: String, _ source: String?) -> Template? {
            guard let source, let node = reader.node(path) else { return nil }
            let mapping = PositionMapping.scalar(node, lineOffset: reader.lineOffset, fileLines: fileLines)
            return compileTemplate(source, mapping: mapping, file: file, into: &diagnostics)
        }
        let review = phasePrompt("phases.review.prompt", config.review.enabled ? config.review.prompt : nil)
        let done = phasePrompt("phases.done.prompt", config.done.enabled ? config.done.prompt : nil)

        let machine: CompiledMachine
        do {
            machine = try CompiledMachine.compile(config.machinePolicy)
        } catch {
            diagnostics.append(
                WorkflowDiagnostic(
                    .invalidConfigValue, "the lifecycle machine is inconsistent: \(error.description)",
                    hint: "report this as a maestro bug", file: file, line: 1, column: 1))
            throw WorkflowError(diagnostics: inFileOrder(diagnostics))
        }
        diagnostics = inFileOrder(diagnostics)
        if prompts == .lenient {
            diagnostics = diagnostics.map { diagnostic in
                var lenient = diagnostic
                if [.templateParseError, .templateRenderError].contains(diagnostic.code) { lenient.severity = .warning }
                return lenient
            }
            if prompt == nil { prompt = try? Template(parsing: PromptSchema.defaultPrompt) }
        }
        guard diagnostics.allSatisfy({ $0.severity == .warning }), let prompt else {
            throw WorkflowError(diagnostics: diagnostics)
        }
        return Workflow(
            path: file, config: config, prompt: prompt, reviewPrompt: review, donePrompt: done,
            warnings: diagnostics, machine: machine)
    }

    /// The file as UTF-8 text; an invalid byte or a NUL is an encoding error at its position, not
    /// a missing file.
    static func decodedText(_ data: Data, file: String) throws(WorkflowError) -> String {
        let bytes = [UInt8](data)
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var problem: (offset: Int, text: String)?
        scan: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == 0 {
                    problem = (offset, "a NUL byte: this looks like a binary file, not WORKFLOW.md text")
                    break scan
                }
                offset += encoded.count
            case .error:
                problem = (offset, String(format: "invalid UTF-8 (byte 0x%02X)", bytes[offset]))
                break scan
            case .emptyInput:
                break scan
            }
        }
        guard let problem else { return String(decoding: bytes, as: UTF8.self) }
        let before = bytes[..<problem.offset]
        let line = before.filter { $0 == 0x0A }.count + 1
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<problem.offset], as: UTF8.self).count + 1
        throw WorkflowError(diagnostics: [
            WorkflowDiagnostic(
                .workflowEncodingError, "the file is not UTF-8 text: \(problem.text)", hint: "save WORKFLOW.md as UTF-8 text",
                file: file, line: line, column: column)
        ])
    }

    /// Sorted by position; equal positions keep their order.
    private static func inFileOrder(_ diagnostics: [WorkflowDiagnostic]) -> [WorkflowDiagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            (lhs.element.line, lhs.element.column, lhs.offset) < (rhs.element.line, rhs.element.column, rhs.offset)
        }.map(\.element)
    }

    private static func composeFrontMatter(_ document: WorkflowDocument, file: String) throws(WorkflowError) -> Node? {
        guard let yaml = document.frontMatter else { return nil }
        let offset = document.frontMatterFirstLine - 1
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw WorkflowError(diagnostics: [yamlDiagnostic(error, yaml: yaml, file: file, lineOffset: offset)])
        }
        guard let node else { return nil }
        guard node.mapping != nil else {
            let mark = node.mark
            throw WorkflowError(diagnostics: [
                WorkflowDiagnostic(
                    .workflowFrontMatterNotAMap, "the front matter is not a map of keys",
                    hint: "write `key: value` lines between the '---' fences", file: file,
                    line: (mark?.line ?? 1) + offset, column: mark?.column ?? 1)
            ])
        }
        return node
    }

    /// Parses a template and runs the static check, reporting positions in the file.
    private static func compileTemplate(
        _ source: String, mapping: PositionMapping, file: String, into diagnostics: inout [WorkflowDiagnostic]
    ) -> Template? {
        do {
            let template = try Template(parsing: source)
            for problem in template.check(against: PromptSchema.variables) {
                diagnostics.append(templateDiagnostic(problem, mapping: mapping, file: file))
            }
            return template
        } catch {
            diagnostics.append(templateDiagnostic(error, mapping: mapping, file: file))
            return nil
        }
    }

    private static func templateDiagnostic(_ error: TemplateError, mapping: PositionMapping, file: String)
        -> WorkflowDiagnostic
    {
        let (line, column) = mapping.filePosition(line: error.line, column: error.column)
        let code: WorkflowErrorCode = error.kind == .parse ? .templateParseError : .templateRenderError
        // Positions inside the message ("'if' opened at 2:4") are the template's own; name the file's.
        let message = error.message.replacing(/opened at (\d+):(\d+)/) { match in
            let (openLine, openColumn) = mapping.filePosition(line: Int(match.1) ?? 1, column: Int(match.2) ?? 1)
            return "opened at \(openLine):\(openColumn)"
        }
        let hint =
            error.kind == .parse
            ? "see Specs/templates.md for the supported tags and filters"
            : "prompts may use issue.*, attempt, phase and project.*; see Specs/templates.md"
        return WorkflowDiagnostic(code, message, hint: hint, file: file, line: line, column: column)
    }
}
