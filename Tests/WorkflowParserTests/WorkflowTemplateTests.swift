import StateMachine
import Testing
import WorkflowParser

/// `maestro init`'s WORKFLOW.md: every answer combination loads cleanly and means what was asked.
struct WorkflowTemplateTests {
    static let environment = ["LINEAR_API_KEY": "lin_api_test", "HOME": "/home/tester"]

    func load(_ template: WorkflowTemplate) throws -> Workflow {
        do {
            return try WorkflowLoader.parse(template.text, file: "WORKFLOW.md", baseDirectory: "/repo", environment: Self.environment)
        } catch {
            Issue.record("\(template.tracker)/\(template.review) does not load:\n\(error.diagnostics.map(\.description).joined(separator: "\n"))\n\(template.text)")
            throw error
        }
    }

    @Test(arguments: WorkflowTemplate.Tracker.allCases, WorkflowTemplate.Review.allCases)
    func everyCombinationLoadsWithoutWarningsAndHasTheAskedPhases(tracker: WorkflowTemplate.Tracker, review: WorkflowTemplate.Review) throws {
        let template = WorkflowTemplate(tracker: tracker, linearProject: tracker == .linear ? "web-app-1a2b" : nil, review: review)
        let workflow = try load(template)
        #expect(workflow.warnings.isEmpty, "\(workflow.warnings)")
        #expect(workflow.config.tracker.kind == tracker.rawValue)
        #expect(workflow.machine.states.contains(.review) == (review != .off))
        #expect((workflow.reviewPrompt != nil) == (review == .agent))
        #expect(workflow.donePrompt != nil)
        #expect(workflow.config.agent.maxConcurrentAgents == 4)
        #expect(workflow.config.workspaceRoot == "/home/tester/maestro_workspaces")
    }

    @Test func awkwardAnswersAreQuotedSoTheyKeepTheirMeaning() throws {
        let template = WorkflowTemplate(
            tracker: .linear, linearProject: "team: web #1", maxConcurrentAgents: 2, workspaceRoot: "/srv/work spaces/\"x\"",
            afterCreate: "git clone --quiet '/repo path' .\ngit switch -c work", codexCommand: "codex --profile \"fast: yes\" app-server")
        let workflow = try load(template)
        #expect(workflow.config.codex.command == "codex --profile \"fast: yes\" app-server")
        #expect(workflow.config.workspaceRoot == "/srv/work spaces/\"x\"")
        #expect(workflow.config.hooks.afterCreate?.contains("git switch -c work") == true)
        #expect(workflow.config.agent.maxConcurrentAgents == 2)
        #expect(template.text.contains("project_slug: \"team: web #1\""))
    }
}
