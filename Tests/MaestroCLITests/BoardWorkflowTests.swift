import Foundation
import Testing

/// Board commands need the workflow's tracker states, not its prompts: a prompt typo in
/// ./WORKFLOW.md is a warning for them, not a failure of every command.
@Suite struct BoardWorkflowTests {
    static let typo = """
        ---
        tracker:
          kind: kanban
          provider:
            columns: [Ideas, todo, in_progress, human_review, done, cancelled]
        ---
        Work on {{ issue.titel }}.

        """

    @Test func aPromptTypoWarnsAndTheBoardCommandsGoOn() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", Self.typo)
        let created = try await sandbox.run(["project", "create", "Maestro", "--key", "MAE"])
        #expect(created.status == 0 && created.stdout == "Created project MAE (Maestro)\n", "\(created.stderr)")
        #expect(created.stderr.contains("WORKFLOW.md:7:12: warning: unknown variable 'issue.titel'"), "\(created.stderr)")
        #expect(created.stderr.hasSuffix("warning: WORKFLOW.md has 1 prompt error(s); board commands go on with its tracker states\n"))
        // The workflow's own columns are used.
        let issue = try await sandbox.run(["issue", "create", "--project", "MAE", "--title", "x", "--state", "ideas", "--json"])
        #expect(issue.status == 0, "\(issue.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(issue.stdout.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "Ideas")
        let listed = try await sandbox.run(["issue", "list"])
        #expect(listed.status == 0 && listed.stdout.contains("MAE-1  Ideas"), "\(listed.stdout)\(listed.stderr)")
        // The file is still invalid where prompts matter.
        let validate = try await sandbox.run(["validate"], db: false)
        #expect(validate.status == 1 && validate.stderr.contains("error: unknown variable 'issue.titel'"))
    }

    /// A broken front matter is still an error: the tracker states themselves are in doubt.
    @Test func aFrontMatterErrorStillFails() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", "---\ntracker:\n  kind: kanban\npolling:\n  interval_ms: 0\n---\nWork.\n")
        let result = try await sandbox.run(["project", "create", "Maestro"])
        #expect(result.status == 1 && result.stderr.contains("[invalid_config_value]"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database), "nothing was created")
    }
}
