import Foundation
import StateMachine
import Testing

@testable import WorkflowParser

/// Symphony §17.1 file handling and the parsing rules of Specs/workflow.md "Loading".
@Suite struct FileLoadingTests {
    @Test func explicitPathIsTheFileLoaded() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try write(workflowText("tracker: {kind: kanban}", "agent: {max_turns: 3}"), to: "WORKFLOW.md", in: directory)
        let path = try write(
            workflowText("tracker: {kind: kanban}", "agent: {max_turns: 7}", "workspace: {root: issues}", body: "Custom {{ issue.title }}"),
            to: "custom-workflow.md", in: directory)

        let workflow = try WorkflowLoader.load(path: path, environment: testEnvironment)

        #expect(workflow.path == path)
        #expect(workflow.config.agent.maxTurns == 7)
        #expect(try workflow.prompt.render(sampleIssue) == "Custom Fix login")
        // A relative workspace.root is anchored at the loaded file's directory, not the process cwd.
        #expect(workflow.config.workspaceRoot == directory.appendingPathComponent("issues").standardizedFileURL.path)
    }

    @Test func missingFileIsATypedErrorWithoutPosition() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("absent.md").path

        let error = loadFailure(path)

        #expect(
            error?.diagnostics == [
                WorkflowDiagnostic(
                    .missingWorkflowFile, "cannot read workflow file '\(path)'",
                    hint: "pass the path of a WORKFLOW.md, or run in a directory that has one", file: path, line: 0,
                    column: 0)
            ])
        #expect(
            error?.description
                == "\(path): error: cannot read workflow file '\(path)' [missing_workflow_file]\n"
                + "    hint: pass the path of a WORKFLOW.md, or run in a directory that has one")
    }

    @Test func aDirectoryIsNotAWorkflowFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        #expect(loadFailure(directory.path)?.diagnostics.map(\.code) == [.missingWorkflowFile])
    }

    @Test func badYAMLInAFileIsATypedErrorNamingTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try write(lines("---", "tracker:", "  kind: kanban: x", "---", "body"), to: "WORKFLOW.md", in: directory)

        let diagnostics = loadFailure(path)?.diagnostics

        #expect(diagnostics?.map(\.spot) == [Spot(.workflowParseError, 3, 15, "invalid YAML: mapping values are not allowed in this context")])
        #expect(diagnostics?.map(\.file) == [path])
    }

    @Test(arguments: [
        (lines("---", "- tracker", "- agent", "---", "body"), 2),
        (lines("---", "just a sentence", "---", "body"), 2),
        (lines("---", "# a comment first", "", "[kanban]", "---", "body"), 4),
    ])
    func frontMatterThatIsNotAMapIsATypedError(text: String, line: Int) {
        #expect(
            parseFailure(text)?.diagnostics.map(\.spot)
                == [Spot(.workflowFrontMatterNotAMap, line, 1, "the front matter is not a map of keys")])
    }

    @Test func frontMatterIsOptional() throws {
        // Without front matter the config is {}, so only the required tracker.kind is missing.
        let error = parseFailure("Just work on {{ issue.title }}\n")
        #expect(error?.diagnostics.map(\.spot) == [Spot(.missingConfigValue, 1, 1, "tracker.kind is required")])
    }

    @Test func emptyFrontMatterIsAnEmptyMap() {
        let error = parseFailure(lines("---", "# nothing yet", "---", "body"))
        #expect(error?.diagnostics.map(\.spot) == [Spot(.missingConfigValue, 2, 1, "tracker.kind is required")])
    }

    @Test func theBodyIsTrimmed() throws {
        let text = lines("---", "tracker: {kind: kanban}", "---", "", "  ", "   Hello {{ issue.title }}.", "", "  Bye.  ", "", "")
        let workflow = try parse(text)
        #expect(try workflow.prompt.render(sampleIssue) == "Hello Fix login.\n\n  Bye.")
    }

    @Test(arguments: [
        "---\ntracker: {kind: kanban}\n---",
        "---\ntracker: {kind: kanban}\n---\n",
        "---\ntracker: {kind: kanban}\n---\n  \n\t\n\n",
    ])
    func anEmptyBodyUsesTheDefaultPrompt(text: String) throws {
        let workflow = try parse(text)
        #expect(try workflow.prompt.render([:]) == PromptSchema.defaultPrompt)
        #expect(PromptSchema.defaultPrompt == "You are working on an issue from the configured tracker.")
    }

    @Test func crlfLineEndingsWork() throws {
        let text = lines(
            "---",
            "tracker:",
            "  kind: kanban",
            "agent:",
            "  max_turns: 3",
            "hooks:",
            "  after_create: |",
            "    git init",
            "phases:",
            "  review:",
            "    prompt: |",
            "      Review {{ issue.identifier }}",
            "      carefully.",
            "---",
            "Line one {{ issue.title }}",
            "Line two"
        ).replacingOccurrences(of: "\n", with: "\r\n")

        let workflow = try parse(text)

        #expect(workflow.warnings.isEmpty)
        #expect(workflow.config.tracker.kind == "kanban")
        #expect(workflow.config.agent.maxTurns == 3)
        #expect(workflow.config.hooks.afterCreate == "git init\n")
        let prompt = try workflow.prompt.render(sampleIssue)
        #expect(prompt == "Line one Fix login\nLine two")
        let review = try #require(workflow.reviewPrompt).render(sampleIssue)
        #expect(review == "Review MAE-7\ncarefully.")
    }

    @Test func theRepositoryWorkflowLoadsCleanlyWithAgentReviewAndDone() throws {
        let path = repositoryRoot.appendingPathComponent("WORKFLOW.md").path

        let workflow = try WorkflowLoader.load(path: path, environment: testEnvironment)

        #expect(workflow.warnings.isEmpty)
        #expect(workflow.config.reviewMode == .agent)
        #expect(workflow.config.done.enabled)
        #expect(workflow.reviewPrompt != nil)
        #expect(workflow.donePrompt != nil)
        #expect(workflow.machine.policy.donePhase)
        #expect(workflow.config.workspaceRoot == "/home/tester/maestro_workspaces")

        // The body renders issue fields and `attempt` (null on the first run).
        var context: [String: TemplateValue] = [
            "issue": [
                "identifier": "MAE-7", "title": "Fix login", "description": .null, "labels": ["ui"], "blocked_by": [],
            ],
            "project": ["name": "maestro"],
            "attempt": .null,
        ]
        let first = try workflow.prompt.render(context)
        #expect(first.hasPrefix("You are working on MAE-7 in project maestro: Fix login\n\nNo description was given.\nLabels: ui\n"))
        #expect(!first.contains("This is attempt"))
        context["attempt"] = 2
        #expect(try workflow.prompt.render(context).contains("This is attempt 2: check the workspace"))
    }
}

/// Lenient prompts, for callers that need only the tracker settings (the board commands).
@Suite struct LenientPromptTests {
    @Test func promptErrorsBecomeWarnings() throws {
        let text = workflowText(
            "tracker: {kind: kanban, active_states: [ready]}", "phases:", "  review:", "    prompt: \"{% if %}\"", body: "Work on {{ issue.titel }}.")
        #expect(throws: WorkflowError.self) { try WorkflowLoader.parse(text, file: "W.md", baseDirectory: "/", environment: testEnvironment) }
        let workflow = try WorkflowLoader.parse(text, file: "W.md", baseDirectory: "/", environment: testEnvironment, prompts: .lenient)
        #expect(workflow.config.tracker.activeStates == ["ready"])
        #expect(workflow.warnings.map(\.code) == [.templateParseError, .templateRenderError])
        #expect(workflow.warnings.allSatisfy { $0.severity == .warning })
        #expect(workflow.reviewPrompt == nil, "the prompt that does not parse is left out")
        // A body that does not parse is replaced by the default prompt.
        let broken = try WorkflowLoader.parse(
            workflowText("tracker: {kind: kanban}", body: "Work {% if %}"), file: "W.md", baseDirectory: "/", environment: testEnvironment,
            prompts: .lenient)
        #expect(try broken.prompt.render(sampleIssue) == PromptSchema.defaultPrompt)
    }

    @Test func configErrorsStillFail() {
        let text = workflowText("tracker: {kind: jira}", body: "Work on {{ issue.titel }}.")
        #expect(throws: WorkflowError.self) {
            try WorkflowLoader.parse(text, file: "W.md", baseDirectory: "/", environment: testEnvironment, prompts: .lenient)
        }
    }
}
