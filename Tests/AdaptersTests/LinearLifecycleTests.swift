import Adapters
import Foundation
import Runtime
import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

/// A daemon in-process driving Linear-backed issues with the fake app-server: the claim and the
/// agent's hand-off written back to Linear, a change made in Linear stopping a run, and the key kept
/// out of every child process.
@Suite(.serialized) struct LinearLifecycleTests {
    static let handOff = """
        Implement {{ issue.identifier }}.
        @@toolCall {"tool": "linear_move_issue", "arguments": {"state": "Human Review"}}
        """

    @Test func claimAndHandOffAreWrittenBackAndLinearsDoneClosesTheIssue() async throws {
        try await withLinear(
            frontMatter: """
                polling:
                  interval_ms: 200
                hooks:
                  before_run: env > ../env-$MAESTRO_ISSUE_ID.txt
                """, prompt: Self.handOff, environment: ["MAESTRO_TEST_VISIBLE": "yes"]
        ) { linear in
            try await linear.fake.seed(issues: [linearIssue("Ship it", priority: 1)])
            try await linear.running {
                try await linear.eventually("the hand-off") { try await linear.issue("ENG-1").lifecycle.state == .review }
                #expect(try await linear.fake.stateName(of: "ENG-1") == "Human Review")
                // A person approves in Linear; the next poll closes the issue.
                try await linear.fake.change("ENG-1", ["state": "Done"])
                try await linear.eventually("the close") { try await linear.issue("ENG-1").lifecycle.state == .closed }
            }
            let writes = try await linear.fake.state()["mutations"]?.arrayValue?.compactMap { $0["input"]?["stateId"]?.stringValue }
            #expect(writes == ["st-progress", "st-review"], "claim, then the agent's hand-off")
            #expect(
                try await linear.history("ENG-1") == [
                    "dispatch queued->workspace", "workspace_ready workspace->running", "run_ended running->review",
                    "tracker_updated review->closed",
                ])
            // The agent and the hooks never saw the key, by name or by value.
            let agents = linear.agentEnvironments()
            #expect(agents.count == 1 && agents.allSatisfy { $0.contains("MAESTRO_TEST_VISIBLE") })
            #expect(agents.allSatisfy { !$0.contains(LinearHarness.keyVariable) })
            let workspaces = linear.temporary.directory.appendingPathComponent("workspaces")
            let hookFiles = try FileManager.default.contentsOfDirectory(atPath: workspaces.path).filter { $0.hasPrefix("env-") }
            #expect(hookFiles.count == 1)
            for file in hookFiles {
                let text = try String(contentsOf: workspaces.appendingPathComponent(file), encoding: .utf8)
                #expect(text.contains("MAESTRO_TEST_VISIBLE=yes"))
                #expect(!text.contains(LinearHarness.keyVariable) && !text.contains(FakeLinear.apiKey))
            }
            #expect(linear.provider.secretEnvironmentNames.contains(LinearHarness.keyVariable))
        }
    }

    @Test func aStateChangeInLinearStopsTheRunAtTheNextPoll() async throws {
        try await withLinear(frontMatter: "polling:\n  interval_ms: 200", prompt: "Hang.\n@@silence {}") { linear in
            try await linear.fake.seed(issues: [linearIssue("long job")])
            try await linear.running {
                try await linear.eventually("the run") { await linear.orchestrator.liveRunCount == 1 }
                #expect(try await linear.fake.stateName(of: "ENG-1") == "In Progress", "claimed in Linear")
                try await linear.fake.change("ENG-1", ["state": "Canceled"])
                try await linear.eventually("the stop") { await linear.orchestrator.liveRunCount == 0 }
                try await linear.eventually("the close") { try await linear.issue("ENG-1").lifecycle.state == .closed }
            }
            #expect(try await linear.issue("ENG-1").state == "Canceled")
        }
    }

    @Test func theLinearGraphQLToolRunsHostSideAndAMutationReachesTheStoreAtOnce() async throws {
        try await withLinear { linear in
            try await linear.fake.seed(issues: [linearIssue("tooling")])
            try await linear.sync()
            let tools = LinearTools(api: linear.api, provider: linear.provider, identifier: "ENG-1")
            #expect(tools.toolSpecs.map(\.name) == ["linear_graphql", "linear_move_issue", "linear_comment"])
            let viewer = await tools.execute(name: "linear_graphql", arguments: ["query": "query { viewer { id } }"])
            #expect(viewer.success && viewer.text.contains(FakeLinear.viewerId), "\(viewer.text)")
            let move = await tools.execute(
                name: "linear_graphql",
                arguments: [
                    "query": "mutation($id: String!, $state: String!) { issueUpdate(id: $id, input: {stateId: $state}) { success } }",
                    "variables": ["id": "ENG-1", "state": "st-review"],
                ])
            #expect(move.success, "\(move.text)")
            #expect(try await linear.issue("ENG-1").state == "Human Review", "read back at once")
            let invalid = await tools.execute(
                name: "linear_graphql", arguments: ["query": "{ issues(filter: {identifier: {eq: \"ENG-1\"}}) { nodes { id } } }"])
            #expect(!invalid.success && invalid.text.contains("GRAPHQL_VALIDATION_FAILED"))
            let missing = await tools.execute(name: "linear_graphql", arguments: ["variables": [:]])
            #expect(!missing.success)
            let comment = await tools.execute(name: "linear_comment", arguments: ["body": "Done here."])
            let comments = try await linear.fake.state()["comments"]?.arrayValue?.count
            #expect(comment.success && comments == 1)
            let unknown = await tools.execute(name: "linear_delete", arguments: [:])
            #expect(!unknown.success)
        }
    }

    @Test func everyDocumentMaestroSendsValidatesAgainstTheSchema() async throws {
        try await FakeLinear.with(seed: false) { fake in
            for document in LinearDocument.all {
                #expect(try await fake.validate(document.text) == [], "\(document.name)")
            }
            // The fake is strict: a filter Linear does not have fails, as it would on Linear.
            let drift = try await fake.validate(#"{ issues(filter: {identifier: {eq: "ENG-1"}}) { nodes { id } } }"#)
            #expect(!drift.isEmpty)
        }
    }
}
