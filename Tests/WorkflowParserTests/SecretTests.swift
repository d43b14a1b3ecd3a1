import Foundation
import Testing

@testable import WorkflowParser

/// Provider values read from the environment are secrets: no diagnostic may print them.
@Suite struct SecretTests {
    static let secret = "lin_api_S3CR3T_value"
    static let environment = ["HOME": "/home/tester", "LINEAR_KEY": secret]

    /// Every piece of text a diagnostic can show a user.
    private func texts(_ diagnostics: [WorkflowDiagnostic]) -> [String] {
        diagnostics.flatMap { [$0.message, $0.hint, $0.file, $0.description] }
    }

    @Test func errorsNeverPrintTheSecret() throws {
        let text = lines(
            "---",
            "tracker:",
            "  kind: kanban",
            "  provider:",
            "    api_key: $LINEAR_KEY",
            "    team: ${LINEAR_KEY}",
            "  claim_state: $LINEAR_KEY",  // not an active state: an error that prints the value as written
            "agent:",
            "  max_turns: 0",
            "  max_concurrent_agents_by_state: {todo: $LINEAR_KEY}",
            "codex: {thread_sandbox: $LINEAR_KEY}",
            "workspace: {root: $LINEAR_KEY_UNSET}",
            "extra_key: $LINEAR_KEY",
            "---",
            "Do {{ issue.titel }} with $LINEAR_KEY")

        let error = try #require(parseFailure(text, environment: Self.environment))

        #expect(error.errors.count == 5)
        #expect(!error.description.contains(Self.secret))
        for text in texts(error.diagnostics) {
            #expect(!text.contains(Self.secret), "leaked in: \(text)")
        }
    }

    @Test func warningsOfAValidFileNeverPrintTheSecret() throws {
        let workflow = try parse(
            workflowText(
                "tracker: {kind: kanban, provider: {api_key: $LINEAR_KEY}, secret_key: $LINEAR_KEY}",
                "agent: {max_turns: '3'}"),
            environment: Self.environment)

        // The secret was resolved (so the test is not vacuous) ...
        #expect(workflow.config.tracker.provider["api_key"] == .string(Self.secret))
        #expect(workflow.config.tracker.providerEnvironmentNames == ["api_key": "LINEAR_KEY"])
        // ... and the warnings name keys, never the value.
        #expect(workflow.warnings.count == 2)
        for text in texts(workflow.warnings) {
            #expect(!text.contains(Self.secret), "leaked in: \(text)")
        }
    }
}
