import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prometheus
import RuntimeTesting
import StateMachine
import Testing

@testable import Runtime
@testable import Transports

/// The logs, the board, the workflow, the graph, health and metrics.
@Suite struct ReadRouteTests {
    @Test func logsBoardWorkflowAndGraph() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "one"))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "two", blockedBy: ["MAE-1"]))
        try await harness.client { client in
            let transitions = try await client.call(.get, "/api/v1/transitions?after=0&limit=1")
            #expect(transitions.array.count == 1)
            #expect(
                keys(transitions.array.first) == ["at", "attempt", "details", "effects", "event", "from", "guards", "issue", "seq", "to", "version"])
            let changes = try await client.call(.get, "/api/v1/changes")
            #expect(changes.array.map { $0["kind"] as? String } == ["project_created", "issue_created", "issue_created"])
            #expect(keys(changes.array.first) == ["at", "details", "issue", "kind", "project", "seq"])
            let log = try await client.call(.get, "/api/v1/log?after=0")
            let seqs = log.array.compactMap { $0["seq"] as? Int }
            #expect(seqs == seqs.sorted() && seqs.count == 4, "three changes and the dependent's release")
            #expect(Set(log.array.compactMap { $0["type"] as? String }) == ["change", "transition"])

            let board = try await client.call(.get, "/api/v1/board")
            #expect(keys(board.object) == ["by_lifecycle_state", "by_tracker_state", "issues", "projects"])
            #expect((board.object["by_lifecycle_state"] as? [String: Int])?["released"] == 1)
            #expect(try await client.call(.get, "/api/v1/sessions").array.isEmpty)

            let workflow = try await client.call(.get, "/api/v1/workflow")
            #expect(keys(workflow.object) == ["last_reload_errors", "path", "revision", "summary", "warnings"])

            let graph = try await client.call(.get, "/api/v1/graph")
            #expect(graph.object["view"] as? String == "overview")
            #expect((graph.object["counts"] as? [String: Int])?["queued"] == 1)
            let full = try await client.call(.get, "/api/v1/graph?view=full&format=json")
            #expect(full.object["transitions"] is [Any])
            let svg = try await client.call(.get, "/api/v1/graph?format=svg")
            #expect(svg.headers[.contentType] == "image/svg+xml")
            #expect(svg.text.contains("data-state=\"released\"") && svg.text.contains("data-count=\"1\""))
            #expect(try await client.call(.get, "/api/v1/graph?format=mermaid").text.contains("stateDiagram-v2"))
            #expect(try await client.call(.get, "/api/v1/graph?format=dot").text.hasPrefix("digraph"))
            let bad = try await client.call(.get, "/api/v1/graph?format=png")
            #expect(bad.status == .badRequest && bad.code == "invalid_parameter")
            #expect(try await client.call(.get, "/api/v1/graph?view=wide").code == "invalid_parameter")
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "one"))
        try await harness.client { client in
            #expect(try await client.call(.get, "/healthz").object["status"] as? String == "ok")
            #expect(try await client.call(.get, "/readyz").status == .ok)
            _ = try await client.call(.get, "/api/v1/state")
            _ = try await harness.orchestrator.tick()
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            for line in [
                #"maestro_http_requests_total{route="/api/v1/state",method="GET",status="200"} 1"#, "maestro_running_sessions 0.0",
                #"maestro_codex_tokens{kind="total"} 0.0"#, "maestro_tick_duration_seconds_count",
            ] {
                #expect(metrics.text.contains(line), "metrics lack \(line)")
            }
        }
    }

    @Test func transitionsAreCountedAsTheyCommit() async throws {
        let metrics = MaestroMetrics()
        let transition = TransitionView(
            seq: 1, issue: "MAE-1", version: 2, from: .running, to: .retrying, event: .runFailed, attempt: 1, guards: [], effects: [],
            details: ["error": "stalled: no agent activity for 3000 ms"], at: Date())
        metrics.count(transition)
        metrics.count(transition)
        let text = metrics.registry.emitToString()
        #expect(text.contains(#"maestro_transitions_total{event="run_failed",to="retrying"} 2"#))
        #expect(text.contains("maestro_retries_total 2"))
        #expect(text.contains(#"maestro_failures_total{event="run_failed",reason="stalled"} 2"#))
    }
}
