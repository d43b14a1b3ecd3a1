import Foundation
import Testing

/// `maestro init`: what it writes validates, and nothing is overwritten by accident.
struct InitCommandTests {
    @Test func defaultsInARepositoryWriteAWorkflowThatValidatesAndClonesTheRepository() async throws {
        let sandbox = try BoardSandbox()
        try FileManager.default.createDirectory(at: sandbox.directory.appendingPathComponent(".git"), withIntermediateDirectories: true)
        let result = try await sandbox.run(["init", "--defaults"], db: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote WORKFLOW.md (tracker kanban, review agent, 4 agents at once)"))
        let text = try String(contentsOfFile: sandbox.path("WORKFLOW.md"), encoding: .utf8)
        #expect(text.contains("git clone --quiet '\(sandbox.directory.standardizedFileURL.path)' ."))
        #expect(text.contains("root: ~/maestro_workspaces/\(sandbox.directory.lastPathComponent)"))
        let validate = try await sandbox.run(["validate"], db: false)
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stderr.isEmpty, "warnings: \(validate.stderr)")
    }

    @Test func anExistingWorkflowIsKeptUnlessForced() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", "mine\n")
        let refused = try await sandbox.run(["init", "--defaults"], db: false)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("exists; it is kept (--force overwrites it)"))
        #expect(try String(contentsOfFile: sandbox.path("WORKFLOW.md"), encoding: .utf8) == "mine\n")
        let forced = try await sandbox.run(["init", "--defaults", "--force", "--review", "off", "--max-agents", "2"], db: false)
        #expect(forced.status == 0, "\(forced.stderr)")
        let summary = try await sandbox.run(["validate", "--json"], db: false)
        #expect(summary.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
        let states = (report["summary"] as? [String: Any])?["lifecycle_states"] as? [String]
        #expect(states?.contains("review") == false, "\(summary.stdout)")
        #expect(try String(contentsOfFile: sandbox.path("WORKFLOW.md"), encoding: .utf8).contains("max_concurrent_agents: 2"))
    }

    @Test func answersAreReadFromStandardInputAndALinearWorkflowValidatesWithItsKey() async throws {
        let sandbox = try BoardSandbox()
        let result = try await sandbox.run(["init"], db: false, environment: ["LINEAR_API_KEY": ""], input: Data("linear\nweb-app-42\nhuman\n3\n\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Tracker: kanban (maestro's local board) or linear [kanban]:"))
        #expect(result.stdout.contains("tracker linear, review human, 3 agents at once"))
        #expect(result.stdout.contains("export LINEAR_API_KEY"))
        let text = try String(contentsOfFile: sandbox.path("WORKFLOW.md"), encoding: .utf8)
        #expect(text.contains("project_slug: web-app-42"))
        #expect(text.contains("api_key: $LINEAR_API_KEY"))
        let validate = try await sandbox.run(["validate"], db: false, environment: ["LINEAR_API_KEY": "lin_api_test"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("review Human Review"))
    }

    @Test func aLinearWorkflowWithoutItsProjectOrABadAnswerWritesNothing() async throws {
        let sandbox = try BoardSandbox()
        let noProject = try await sandbox.run(["init", "--defaults", "--tracker", "linear"], db: false)
        #expect(noProject.status == 2)
        #expect(noProject.stderr.contains("--linear-project SLUG"))
        let badAnswer = try await sandbox.run(["init"], db: false, input: Data("jira\n".utf8))
        #expect(badAnswer.status == 2)
        #expect(badAnswer.stderr.contains("'jira' is not one of kanban, linear"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("WORKFLOW.md")))
        let notADirectory = try await sandbox.run(["init", "--defaults", "nowhere"], db: false)
        #expect(notADirectory.status == 1)
        #expect(notADirectory.stderr.contains("nowhere is not a directory"))
    }
}
