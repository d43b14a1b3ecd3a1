import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Subprocess
import Testing

/// `maestro run` as a process against the fake Linear: a WORKFLOW.md written for Symphony runs
/// unchanged, a project created with `maestro project create --provider linear` flows through every
/// phase with the fake agent, and the same with the real Codex app-server.
@Suite(.serialized) struct LinearDaemonTests {
    struct Setup {
        let directory: URL
        let database: String
        let environment: [String: String]
        let fake: FakeLinear

        init(fake: FakeLinear, workflow: String, environment extra: [String: String] = [:]) throws {
            self.fake = fake
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-linear-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("home"), withIntermediateDirectories: true)
            try workflow.write(to: directory.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)
            database = directory.appendingPathComponent("maestro.sqlite").path
            var environment = ProcessInfo.processInfo.environment
            environment["HOME"] = directory.appendingPathComponent("home").path
            environment["MAESTRO_DB"] = database
            environment["MAESTRO_TEST_VISIBLE"] = "yes"
            environment.merge(extra) { _, new in new }
            self.environment = environment
        }

        var agentCommand: String {
            CodexFixtures.fakeCommand(scenario: "follow-prompt", record: directory.appendingPathComponent("agent.jsonl"))
                .replacingOccurrences(of: "\"", with: "\\\"")
        }

        func start() throws -> Process {
            try DaemonCrashTests.startDaemon(in: directory, database: database, environment: environment, log: "daemon.log")
        }

        func cli(_ arguments: [String]) async throws -> Helper.Output {
            try await Helper.run(
                DaemonEndToEndTests.maestro.path, arguments + ["--workflow", directory.appendingPathComponent("WORKFLOW.md").path],
                environment: environment)
        }

        var log: String { (try? String(contentsOf: directory.appendingPathComponent("daemon.log"), encoding: .utf8)) ?? "" }

        func issue(_ identifier: String) async throws -> IssueRecord? {
            let store = try Store.open(path: database)
            return try await store.read { db in try IssueRecord.find(identifier, in: db) }
        }

        func eventually(_ what: String, upTo limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if (try? await condition()) == true { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("timed out waiting for \(what)\n\(log.suffix(4000))")
            throw OrchestratorHarness.HarnessTimeout()
        }

        /// The state ids the fake saw written, in order.
        func writes() async throws -> [String] {
            try await fake.state()["mutations"]?.arrayValue?.compactMap { $0["input"]?["stateId"]?.stringValue } ?? []
        }

        /// The `MAESTRO_TEST_*` names each agent process saw.
        func agentEnvironments() -> [[String]] {
            let text = (try? String(contentsOf: directory.appendingPathComponent("agent.jsonl"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let entry = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), entry["event"] == "started" else { return nil }
                return (entry["testEnvironment"]?.arrayValue ?? []).compactMap(\.stringValue)
            }
        }

        func cleanup() { try? FileManager.default.removeItem(at: directory) }
    }

    /// An agent step that moves the issue through Symphony's own tool: raw GraphQL.
    static func graphqlMove(to stateId: String) -> String {
        let call: JSONValue = [
            "tool": "linear_graphql",
            "arguments": [
                "query": .string("mutation Move($id: String!) { issueUpdate(id: $id, input: {stateId: \"\(stateId)\"}) { success } }"),
                "variables": ["id": "{{ issue.identifier }}"],
            ],
        ]
        return "@@toolCall " + call.compactText
    }

    @Test func aSymphonyWorkflowRunsUnchangedAndEndsInLinearsDoneState() async throws {
        try await FakeLinear.with { fake in
            try await fake.seed(issues: [linearIssue("Add a health endpoint", priority: 2, labels: ["Backend"], description: "GET /health")])
            let setup = try Setup(
                fake: fake,
                workflow: """
                    ---
                    tracker:
                      kind: linear
                      project_slug: "\(FakeLinear.projectSlug)"
                      endpoint: \(fake.endpoint)
                      api_key: $LINEAR_API_KEY
                      active_states:
                        - Todo
                        - In Progress
                        - Merging
                        - Rework
                      terminal_states:
                        - Closed
                        - Cancelled
                        - Canceled
                        - Duplicate
                        - Done
                    polling:
                      interval_ms: 300
                    workspace:
                      root: ./workspaces
                    hooks:
                      after_create: |
                        echo cloned > README.md
                    agent:
                      max_concurrent_agents: 10
                      max_turns: 20
                    codex:
                      command: "PLACEHOLDER"
                      approval_policy: never
                      thread_sandbox: workspace-write
                      turn_sandbox_policy:
                        type: workspaceWrite
                    ---
                    You are working on a Linear ticket `{{ issue.identifier }}`
                    {% if attempt %}Continuation context: this is retry attempt #{{ attempt }}.{% endif %}
                    Issue context:
                    Identifier: {{ issue.identifier }}
                    Title: {{ issue.title }}
                    Current status: {{ issue.state }}
                    Labels: {{ issue.labels | join: ", " }}
                    URL: {{ issue.url }}
                    Description:
                    {% if issue.description %}{{ issue.description }}{% else %}No description provided.{% endif %}
                    \(Self.graphqlMove(to: "st-review"))
                    """, environment: ["LINEAR_API_KEY": FakeLinear.apiKey])
            defer { setup.cleanup() }
            let workflowURL = setup.directory.appendingPathComponent("WORKFLOW.md")
            try (try String(contentsOf: workflowURL, encoding: .utf8)).replacingOccurrences(of: "PLACEHOLDER", with: setup.agentCommand)
                .write(to: workflowURL, atomically: true, encoding: .utf8)
            let validate = try await Helper.run(DaemonEndToEndTests.maestro.path, ["validate", workflowURL.path], environment: setup.environment)
            #expect(validate.succeeded, "\(validate.stdout)\(validate.stderr)")

            let daemon = try setup.start()
            defer { if daemon.isRunning { daemon.terminate() } }
            try await setup.eventually("the hand-off to Human Review") { try await setup.issue("ENG-1")?.lifecycleState == .review }
            #expect(try await fake.stateName(of: "ENG-1") == "Human Review")
            try await fake.change("ENG-1", ["state": "Done"])
            try await setup.eventually("the close") { try await setup.issue("ENG-1")?.lifecycleState == .closed }
            #expect(await DaemonProcessTests.stop(daemon) && daemon.terminationStatus == 0, "\(setup.log.suffix(2000))")

            #expect(try await fake.stateName(of: "ENG-1") == "Done")
            #expect(try await setup.writes() == ["st-progress", "st-review"], "maestro's claim, then the agent's GraphQL")
            #expect(setup.log.contains("linear:     project"), "\(setup.log.prefix(1500))")
            let agents = setup.agentEnvironments()
            #expect(!agents.isEmpty && agents.allSatisfy { $0.contains("MAESTRO_TEST_VISIBLE") })
            #expect(!setup.log.contains(FakeLinear.apiKey))
        }
    }

    @Test func aProjectCreatedFromTheCLIFlowsThroughEveryPhaseWithTheFakeAgent() async throws {
        try await FakeLinear.with { fake in
            try await fake.seed(issues: [linearIssue("Ship it", priority: 1)])
            let setup = try Setup(fake: fake, workflow: "", environment: [LinearHarness.keyVariable: FakeLinear.apiKey])
            defer { setup.cleanup() }
            try """
            ---
            tracker:
              kind: kanban
              active_states: [Todo, In Progress]
              terminal_states: [Done, Canceled]
              claim_state: In Progress
              review_state: Human Review
              done_state: Done
            polling:
              interval_ms: 300
            workspace:
              root: ./workspaces
            codex:
              command: "\(setup.agentCommand)"
              read_timeout_ms: 20000
            phases:
              review:
                prompt: |
                  Review {{ issue.identifier }} in {{ project.name }}.
                  @@toolCall {"tool": "linear_move_issue", "arguments": {"state": "Done"}}
              done:
                enabled: true
                prompt: |
                  Finish {{ issue.identifier }} on phase {{ phase }}.
                  @@toolCall {"tool": "linear_comment", "arguments": {"body": "Merged."}}
            ---
            Implement {{ issue.identifier }}: {{ issue.title }}.
            @@toolCall {"tool": "linear_move_issue", "arguments": {"state": "Human Review"}}
            """.write(to: setup.directory.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)
            let daemon = try setup.start()
            defer { if daemon.isRunning { daemon.terminate() } }

            let created = try await setup.cli([
                "project", "create", "--provider", "linear", "--linear-project", FakeLinear.projectSlug, "--key", "DEMO",
                "--api-key-env", LinearHarness.keyVariable, "--endpoint", fake.endpoint, "--json",
            ])
            #expect(created.succeeded, "\(created.stderr)")
            let project = try JSONDecoder().decode(JSONValue.self, from: Data(created.stdout.utf8))
            #expect(project["provider"] == "linear" && project["external_id"] == .string(FakeLinear.projectId))
            #expect(project["name"] == "Maestro Demo" && project["settings"]?["api_key_env"] == .string(LinearHarness.keyVariable))
            #expect(!created.stdout.contains(FakeLinear.apiKey))
            let without = try await Helper.run(
                DaemonEndToEndTests.maestro.path,
                ["project", "create", "x", "--linear-project", "y", "--workflow", setup.directory.appendingPathComponent("WORKFLOW.md").path],
                environment: setup.environment)
            #expect(without.status == .exited(2), "Linear options need --provider linear: a usage error")

            try await setup.eventually("the close") { try await setup.issue("ENG-1")?.lifecycleState == .closed }
            #expect(await DaemonProcessTests.stop(daemon) && daemon.terminationStatus == 0)
            let store = try Store.open(path: setup.database)
            let issue = try #require(try await setup.issue("ENG-1"))
            let history = try await store.read { db in try TransitionRecord.history(of: issue.id ?? 0).fetchAll(db) }
            #expect(history.map(\.toState) == [.workspace, .running, .review, .done, .closed])
            #expect(try await fake.stateName(of: "ENG-1") == "Done")
            #expect(try await setup.writes() == ["st-progress", "st-review", "st-done"])
            #expect(try await fake.state()["comments"]?.arrayValue?.first?["body"] == "Merged.")
            let agents = setup.agentEnvironments()
            // The agent check at start ran before the project named its key variable; every run
            // after it gets the environment without the key.
            #expect(agents.count == 4, "the agent check's launch, then one run per phase")
            #expect(agents.allSatisfy { $0.contains("MAESTRO_TEST_VISIBLE") })
            #expect(agents.dropFirst().allSatisfy { !$0.contains(LinearHarness.keyVariable) })

            let listed = try await setup.cli(["issue", "list", "--project", "DEMO"])
            #expect(listed.succeeded && listed.stdout.contains("ENG-1"), "\(listed.stdout)\(listed.stderr)")
        }
    }

    @Test(.enabled(if: RealCodex.shouldRun, RealCodex.skipReason))
    func aLinearIssueFlowsThroughEveryPhaseWithTheRealCodex() async throws {
        let codex = try RealCodex.requireBinary()
        try await FakeLinear.with { fake in
            try await fake.seed(issues: [linearIssue("Ship it", priority: 1)])
            let setup = try Setup(fake: fake, workflow: "", environment: [LinearHarness.keyVariable: FakeLinear.apiKey])
            defer { setup.cleanup() }
            try await MockModel.serving("linear-lifecycle", scratch: setup.directory) { mock in
                var environment = setup.environment
                environment["CODEX_HOME"] = try writeCodexHome(in: setup.directory, mock: mock).path
                environment["MOCK_API_KEY"] = "mock-key"
                try """
                ---
                tracker:
                  kind: linear
                  project_slug: \(FakeLinear.projectSlug)
                  endpoint: \(fake.endpoint)
                  api_key: $\(LinearHarness.keyVariable)
                polling:
                  interval_ms: 500
                workspace:
                  root: ./workspaces
                agent:
                  max_turns: 2
                codex:
                  command: \(codex) app-server
                  read_timeout_ms: 20000
                  turn_timeout_ms: 60000
                phases:
                  review:
                    prompt: |
                      Review {{ issue.identifier }} in {{ project.name }}.
                  done:
                    enabled: true
                    prompt: |
                      Finish {{ issue.identifier }} on phase {{ phase }}.
                ---
                Implement {{ issue.identifier }}: {{ issue.title }} (priority {{ issue.priority }})
                """.write(to: setup.directory.appendingPathComponent("WORKFLOW.md"), atomically: true, encoding: .utf8)
                let daemon = try DaemonCrashTests.startDaemon(
                    in: setup.directory, database: setup.database, environment: environment, log: "daemon.log")
                defer { if daemon.isRunning { daemon.terminate() } }
                try await setup.eventually("the close", upTo: .seconds(120)) { try await setup.issue("ENG-1")?.lifecycleState == .closed }
                #expect(await DaemonProcessTests.stop(daemon) && daemon.terminationStatus == 0)

                let store = try Store.open(path: setup.database)
                let issue = try #require(try await setup.issue("ENG-1"))
                let history = try await store.read { db in try TransitionRecord.history(of: issue.id ?? 0).fetchAll(db) }
                #expect(history.map(\.toState) == [.workspace, .running, .review, .done, .closed])
                #expect(try await fake.stateName(of: "ENG-1") == "Done")
                #expect(try await setup.writes() == ["st-progress", "st-review", "st-done"])
                let requests = try mock.requests().map(\.compactText).joined(separator: "\n")
                #expect(requests.contains("Implement ENG-1: Ship it (priority 1)"))
                #expect(requests.contains("linear_graphql") && requests.contains("linear_move_issue"), "the Linear tools were advertised")
                #expect(!requests.contains(FakeLinear.apiKey))
            }
        }
    }
}
