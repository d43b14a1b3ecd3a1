import Foundation
import Testing

@Suite struct ValidateCommandTests {
    @Test func rootWorkflowIsValidWithASummary() async throws {
        let result = try await CLI.run(["validate"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("WORKFLOW.md: valid"))
        #expect(result.stdout.contains("tracker:    kanban; active todo, in_progress; terminal done, cancelled"))
        #expect(result.stdout.contains("phases:     implementation agent, review agent, done agent"))
        #expect(result.stdout.contains("4 agents (in_progress: 3)"))
        #expect(result.stdout.contains("hooks:      after_create, before_run (timeout 60000 ms)"))
        #expect(result.stdout.contains("issue.identifier"))
        #expect(result.stderr.isEmpty)
    }

    @Test func defaultPathIsWorkflowMdInTheCurrentDirectory() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try await CLI.run(["validate"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("WORKFLOW.md: error: cannot read workflow file 'WORKFLOW.md' [missing_workflow_file]"))
        try "---\ntracker:\n  kind: kanban\n---\nDo {{ issue.identifier }}.\n".write(
            to: directory.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)
        let found = try await CLI.run(["validate"], in: directory)
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.contains("variables:  issue.identifier"))
    }

    @Test func invalidWorkflowPrintsEveryDiagnosticAndExitsOne() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.md")
        try """
        ---
        tracker:
          kind: kanban
        agent:
          max_turns: 0
        ---
        Hello {{ issue.titel }}
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["validate", file.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file.path):5:14: error: agent.max_turns must be a positive integer, got '0' [invalid_config_value]"))
        #expect(result.stderr.contains("\(file.path):7:10: error: unknown variable 'issue.titel'"))
        #expect(result.stderr.contains("hint: "))
        #expect(result.stderr.contains("invalid (2 errors)"))
        #expect(result.stdout.isEmpty)
    }

    @Test func jsonOutputForValidAndInvalidWorkflows() async throws {
        let valid = try await CLI.run(["validate", "--json"])
        #expect(valid.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(valid.stdout.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == true)
        // snake_case keys, as every surface's JSON.
        let summary = report?["summary"] as? [String: Any]
        #expect(summary?["max_concurrent_agents"] as? Int == 4)
        #expect((summary?["lifecycle_states"] as? [String])?.first == "queued")
        #expect((summary?["max_concurrent_agents_by_state"] as? [String: Int]) == ["in_progress": 3])
        #expect((summary?["tracker"] as? [String: Any])?["active_states"] as? [String] == ["todo", "in_progress"])
        #expect(summary?["maxConcurrentAgents"] == nil)

        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("list.md")
        try "---\n- a\n- b\n---\nx\n".write(to: file, atomically: true, encoding: .utf8)
        let invalid = try await CLI.run(["validate", file.path, "--json"])
        #expect(invalid.status == 1)
        let failure = try JSONSerialization.jsonObject(with: Data(invalid.stdout.utf8)) as? [String: Any]
        #expect(failure?["valid"] as? Bool == false)
        let diagnostics = failure?["diagnostics"] as? [[String: Any]]
        #expect(diagnostics?.first?["code"] as? String == "workflow_front_matter_not_a_map")
        #expect(diagnostics?.first?["line"] as? Int == 2)
        #expect(diagnostics?.first?["column"] as? Int == 1)
    }

    @Test func secretsAreNeverPrinted() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("WORKFLOW.md")
        try "---\ntracker:\n  kind: kanban\n  provider:\n    api_key: $MAESTRO_TEST_SECRET\n---\nx\n".write(
            to: file, atomically: true, encoding: .utf8)
        setenv("MAESTRO_TEST_SECRET", "s3cr3t-value", 1)
        defer { unsetenv("MAESTRO_TEST_SECRET") }
        for arguments in [["validate", file.path], ["validate", file.path, "--json"]] {
            let result = try await CLI.run(arguments)
            #expect(result.status == 0)
            #expect(result.stdout.contains("api_key"))
            #expect(!result.stdout.contains("s3cr3t-value") && !result.stderr.contains("s3cr3t-value"))
        }
    }

    @Test func usageErrorsExitTwo() async throws {
        #expect(try await CLI.run(["validate", "--no-such-flag"]).status == 2)
        #expect(try await CLI.run(["graph", "--format", "png"]).status == 2)
        #expect(try await CLI.run(["no-such-command"]).status == 2)
        #expect(try await CLI.run(["--help"]).status == 0)
    }
}

@Suite struct HelpTextTests {
    /// `help issue answer` names every accepted word, `cancel` included.
    @Test func answerHelpListsEveryAcceptedWord() async throws {
        let result = try await CLI.run(["help", "issue", "answer"])
        #expect(result.status == 0)
        let text = result.stdout.replacingOccurrences(of: "\n", with: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("an approval takes approve, approve-session, deny or cancel"), "\(result.stdout)")
        #expect(text.contains("an elicitation takes accept, decline or cancel"))
        #expect(text.contains("--request"))
    }
}
