import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Runtime
import RuntimeTesting
import Testing
import Transports

/// Operator commands over HTTP: the verdict, 409 with the machine's code when the lifecycle
/// refuses, answers addressed to a request.
@Suite struct CommandRouteTests {
    @Test func commandsAreAppliedOrRefusedWithTheMachinesCode() async throws {
        let harness = try await HTTPHarness(
            """
            agent:
              max_concurrent_agents: 1
            """
        ) { request in
            request.title == "asks" ? [.approval(id: "a1", command: "rm -rf build"), .awaitAnswers, .wait(.seconds(60))] : [.wait(.seconds(60))]
        }
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "asks", priority: 1))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "waits"))
        try await harness.running {
            try await harness.client { client in
                let deadline = ContinuousClock.now + .seconds(90)
                while try await harness.api.pendingRequests("MAE-1").isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let wrong = try await client.call(.post, "/api/v1/issues/MAE-1/answer", json: #"{"answer": "maybe"}"#)
                #expect(wrong.status == .unprocessableContent && wrong.code == "invalid_answer", "\(wrong.text)")
                let unknown = try await client.call(.post, "/api/v1/issues/MAE-1/answer", json: #"{"answer": "approve", "request_id": "zz"}"#)
                #expect(unknown.status == .notFound && unknown.code == "request_not_found")
                let noText = try await client.call(.post, "/api/v1/issues/MAE-1/answer", json: #"{"request_id": "a1"}"#)
                #expect(noText.status == .unprocessableContent && noText.code == "invalid_value")
                let answered = try await client.call(.post, "/api/v1/issues/MAE-1/answer", json: #"{"answer": "approve", "request_id": "a1"}"#)
                #expect(answered.status == .ok, "\(answered.text)")
                #expect(keys(answered.object) == ["command", "daemon", "error", "id", "issue", "status", "transition"])
                #expect(answered.object["status"] as? String == "applied")
                #expect((answered.object["transition"] as? [String: Any])?["to"] as? String == "running")

                let paused = try await client.call(.post, "/api/v1/issues/MAE-2/pause")
                #expect(paused.status == .ok && (paused.object["transition"] as? [String: Any])?["to"] as? String == "blocked")
                let again = try await client.call(.post, "/api/v1/issues/MAE-2/pause")
                #expect(again.status == .conflict && again.code == "already_blocked", "\(again.text)")
                let notRetryable = try await client.call(.post, "/api/v1/issues/MAE-2/retry")
                #expect(notRetryable.status == .conflict && notRetryable.code == "not_retryable")
                #expect(try await client.call(.post, "/api/v1/issues/MAE-2/resume").status == .ok)
                let cancelled = try await client.call(.post, "/api/v1/issues/MAE-1/cancel")
                #expect(cancelled.status == .ok && (cancelled.object["transition"] as? [String: Any])?["to"] as? String == "released")
                let retried = try await client.call(.post, "/api/v1/issues/MAE-1/retry")
                #expect(retried.status == .ok && (retried.object["transition"] as? [String: Any])?["to"] as? String == "queued")
                let nothingWaits = try await client.call(.post, "/api/v1/issues/MAE-2/answer", json: #"{"answer": "yes"}"#)
                #expect(nothingWaits.status == .conflict && nothingWaits.code == "not_awaiting_answer")
                #expect(try await client.call(.post, "/api/v1/issues/MAE-9/pause").code == "issue_not_found")
            }
        }
        #expect(harness.runner.records.first?.answers == [AgentAnswer(requestId: "a1", text: "approve")])
    }
}
