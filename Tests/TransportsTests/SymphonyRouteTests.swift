import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Runtime
import RuntimeTesting
import Testing
import Transports

/// Symphony's endpoints (§13.7), with its exact field names.
@Suite struct SymphonyRouteTests {
    @Test func stateIssueAndRefreshSpeakSymphony() async throws {
        let harness = try await HTTPHarness(
            """
            agent:
              max_concurrent_agents: 1
            """
        ) { request in
            request.title == "runs"
                ? [.tokens(input: 10, output: 5), .activity("item/agentMessage", message: "on it"), .wait(.seconds(60))]
                : [.ask(id: "q1", question: "Which database?"), .awaitAnswers]
        }
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "runs", priority: 1))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "waits"))
        try await harness.running {
            try await harness.client { client in
                let deadline = ContinuousClock.now + .seconds(90)
                var state = try await client.call(.get, "/api/v1/state")
                while (state.object["running"] as? [[String: Any]])?.first?["last_message"] as? String != "on it", ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                    state = try await client.call(.get, "/api/v1/state")
                }
                #expect(
                    keys(state.object) == [
                        "blocked", "codex_totals", "counts", "generated_at", "rate_limits", "retrying", "running", "sync", "workflow",
                    ])
                #expect(keys(state.object["counts"]) == ["blocked", "retrying", "running"])
                #expect(keys(state.object["codex_totals"]) == ["input_tokens", "output_tokens", "seconds_running", "total_tokens"])
                let running = try #require((state.object["running"] as? [[String: Any]])?.first)
                for key in [
                    "issue_id", "issue_identifier", "issue_url", "state", "session_id", "turn_count", "last_event", "last_message", "started_at",
                    "last_event_at", "tokens",
                ] {
                    #expect(running.keys.contains(key), "running rows carry \(key)")
                }
                #expect(keys(running["tokens"]) == ["input_tokens", "output_tokens", "total_tokens"])

                let issue = try await client.call(.get, "/api/v1/MAE-1")
                #expect(issue.status == .ok)
                for key in [
                    "issue_identifier", "issue_id", "status", "workspace", "attempts", "running", "retry", "logs", "recent_events", "last_error",
                    "tracked",
                ] {
                    #expect(issue.object.keys.contains(key), "the issue object carries \(key)")
                }
                #expect(issue.object["status"] as? String == "running")
                #expect(keys(issue.object["attempts"]) == ["current_retry_attempt", "restart_count"])
                #expect(keys(issue.object["logs"]) == ["codex_session_logs"])
                #expect((issue.object["workspace"] as? [String: Any])?["path"] is String)

                let missing = try await client.call(.get, "/api/v1/NOPE-9")
                #expect(missing.status == .notFound && missing.code == "issue_not_found")

                let refresh = try await client.call(.post, "/api/v1/refresh")
                #expect(refresh.status == .accepted)
                #expect(keys(refresh.object) == ["coalesced", "operations", "queued", "requested_at"])
                #expect(refresh.object["operations"] as? [String] == ["poll", "reconcile"])
                #expect(refresh.object["queued"] as? Bool == true)
            }
        }
    }

    @Test func refreshRequestsCoalesceUntilATickTakesThem() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        try await harness.client { client in
            let first = try await client.call(.post, "/api/v1/refresh")
            let second = try await client.call(.post, "/api/v1/refresh")
            #expect(first.object["coalesced"] as? Bool == false)
            #expect(second.object["coalesced"] as? Bool == true, "no tick ran between them")
        }
    }
}
