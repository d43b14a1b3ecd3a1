import Foundation
import MCP
import Runtime
import StateMachine
import Testing
import Transports
import WorkflowParser

/// The tools of the live daemon over the real socket: the snapshot, sessions, an issue's
/// execution, the transition log, operator commands, refresh, the graph and the workflow.
@Suite(.serialized) struct MCPRuntimeToolTests {
    @Test func operatorCommandsReturnVerdictsAndRejections() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "hang on"])
                try await harness.eventually("the run") { try await harness.api.issue("KAN-1").lifecycle.state == .running }

                let paused = try await client.succeed("pause_issue", ["identifier": "KAN-1"])
                #expect(paused.object["status"] as? String == "applied" && paused.object["command"] as? String == "pause")
                #expect((paused.object["transition"] as? [String: Any])?["to"] as? String == "blocked")
                #expect(try await client.fail("pause_issue", ["identifier": "KAN-1"], code: "already_blocked") == "the issue is already blocked")
                try await client.succeed("resume_issue", ["identifier": "KAN-1", "wait_seconds": 10])
                try await harness.eventually("the second run") { try await harness.api.issue("KAN-1").lifecycle.state == .running }
                try await client.fail("resume_issue", ["identifier": "KAN-1"], code: "not_applicable")
                try await client.fail("answer_blocked", ["identifier": "KAN-1", "answer": "yes"], code: "not_awaiting_answer")
                let cancelled = try await client.succeed("cancel_issue", ["identifier": "KAN-1"])
                #expect((cancelled.object["transition"] as? [String: Any])?["to"] as? String == "released")
                let retried = try await client.succeed("retry_issue", ["identifier": "KAN-1"])
                #expect((retried.object["transition"] as? [String: Any])?["from"] as? String == "released")
                try await client.succeed("cancel_issue", ["identifier": "KAN-1"])
                try await client.fail("retry_issue", ["identifier": "KAN-9"], code: "issue_not_found")
                try await client.fail("retry_issue", [:], code: "invalid_value")
                try await client.fail("resume_issue", ["identifier": "KAN-9"], code: "issue_not_found")
                try await client.fail("resume_issue", ["identifier": "KAN-1", "wait_seconds": "5"], code: "invalid_value")
                try await client.fail("answer_blocked", ["identifier": "KAN-9", "answer": "x"], code: "issue_not_found")
                let again = try await client.tool("cancel_issue", ["identifier": "KAN-1"])
                #expect(again.isError && again.code != nil, "a released issue cannot be cancelled again: \(again.text)")
                try await client.fail("pause_issue", ["identifier": "KAN-1", "wait_seconds": 61], code: "invalid_value")
                try await client.fail("cancel_issue", [:], code: "invalid_value")

                // An agent question: the answer must be one it accepts, to the request it names.
                try await client.succeed("create_issue", ["project": "KAN", "title": "ask once"])
                try await harness.eventually("the question") { try await harness.api.issue("KAN-2").lifecycle.blockReason == .inputRequired }
                #expect(
                    try await client.fail("answer_blocked", ["identifier": "KAN-2", "answer": "mysql"], code: "invalid_answer").contains("redis"))
                try await client.fail("answer_blocked", ["identifier": "KAN-2", "answer": "redis", "request_id": "nope"], code: "request_not_found")
                try await client.fail("answer_blocked", ["identifier": "KAN-2"], code: "invalid_value")
                let answered = try await client.succeed("answer_blocked", ["identifier": "KAN-2", "answer": "Redis", "request_id": "q1"])
                #expect((answered.object["transition"] as? [String: Any])?["event"] as? String == "operator_answered")
                try await client.succeed("cancel_issue", ["identifier": "KAN-2"])
            }
        }
    }

    @Test func severalPendingQuestionsNeedARequestId() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "ask twice"])
                try await harness.eventually("both questions") { try await harness.api.pendingRequests("KAN-1").count == 2 }
                try await client.fail("answer_blocked", ["identifier": "KAN-1", "answer": "redis"], code: "ambiguous_request")
                try await client.succeed("cancel_issue", ["identifier": "KAN-1"])
            }
        }
    }

    @Test func executionSessionsTransitionsAndTheSnapshot() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                let before = try await client.succeed("server_info").meta["change_seq"] as? Int ?? -1
                try await client.succeed("create_issue", ["project": "KAN", "title": "flows through"])
                try await harness.eventually("the close") { try await harness.api.issue("KAN-1").lifecycle.state == .closed }

                let execution = try await client.succeed("get_issue_execution", ["identifier": "KAN-1", "recent_events": 5])
                #expect(
                    Set(execution.object.keys) == [
                        "identifier", "lifecycle", "last_error", "transitions", "sessions", "tokens", "recent_events", "pending_requests",
                        "allowed_commands", "workspace",
                    ])
                let events = (execution.object["transitions"] as? [[String: Any]])?.compactMap { $0["event"] as? String }
                #expect(events == ["dispatch", "workspace_ready", "run_ended", "run_ended", "run_ended"])
                #expect((execution.object["sessions"] as? [Any])?.count == 3)
                #expect((execution.object["tokens"] as? [String: Int])?["total_tokens"] == 15)
                #expect(execution.object["last_error"] is NSNull)
                try await client.fail("get_issue_execution", ["identifier": "KAN-9"], code: "issue_not_found")
                try await client.fail("get_issue_execution", ["identifier": "KAN-1", "recent_events": 0], code: "invalid_value")

                let sessions = try await client.succeed("list_sessions", ["identifier": "KAN-1"])
                #expect(sessions.list.compactMap { $0["phase"] as? String } == ["implementation", "review", "done"])
                #expect(try await client.succeed("list_sessions", ["limit": 1]).list.count == 1)
                try await client.fail("list_sessions", ["limit": 0], code: "invalid_value")
                try await client.fail("list_sessions", ["identifier": "KAN-9"], code: "issue_not_found")

                let transitions = try await client.succeed("list_transitions", ["after": .int(before)])
                #expect(transitions.list.count == 5 && transitions.list.allSatisfy { $0["issue"] as? String == "KAN-1" })
                let last = transitions.list.last?["seq"] as? Int ?? 0
                #expect(try await client.succeed("list_transitions", ["after": .int(last)]).list.isEmpty)
                #expect(try await client.succeed("list_transitions", ["identifier": "KAN-1", "limit": 2]).list.count == 2)
                try await client.fail("list_transitions", ["after": -1], code: "invalid_value")
                try await client.fail("list_transitions", ["limit": 501], code: "invalid_value")

                // A run leaves the daemon's books just after its last transition commits.
                try await harness.eventually("the run's end") { try await harness.api.snapshot().counts.running == 0 }
                let snapshot = try await client.succeed("get_runtime_snapshot")
                #expect((snapshot.object["counts"] as? [String: Int]) == ["running": 0, "retrying": 0, "blocked": 0])
                #expect((snapshot.object["codex_totals"] as? [String: Any])?["total_tokens"] as? Int == 15)
                let workflow = try await client.succeed("workflow_status")
                #expect(workflow.object["revision"] as? Int == 1 && (workflow.object["path"] as? String)?.hasSuffix("WORKFLOW.md") == true)
                try await client.fail("workflow_status", ["x": 1], code: "invalid_value")
                #expect(try await client.succeed("refresh").object["coalesced"] is Bool)
                try await client.fail("refresh", ["now": true], code: "invalid_value")
                try await client.fail("get_runtime_snapshot", ["x": 1], code: "invalid_value")
            }
        }
    }

    @Test func theGraphOfTheWorkflowInForce() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "waiting", "state": "backlog"])
                let overview = try await harness.api.boardOverview()
                let counts = Dictionary(
                    uniqueKeysWithValues: overview.byLifecycleState.compactMap { key, value in LifecycleState(rawValue: key).map { ($0, value) } })
                #expect(counts[.released] == 1, "a backlog issue is not eligible")
                let mermaid = try await client.succeed("get_graph")
                #expect(mermaid.object["format"] as? String == "mermaid" && mermaid.object["view"] as? String == "overview")
                #expect((mermaid.object["graph"] as? String)?.contains("stateDiagram-v2") == true)
                let json = try await client.succeed("get_graph", ["format": "json", "view": "full"])
                #expect(json.object["graph"] is [String: Any], "JSON is embedded as an object")
                let svg = try await client.succeed("get_graph", ["format": "SVG"])
                let drawing = try #require(svg.object["graph"] as? String)
                #expect(drawing.hasPrefix("<svg") || drawing.contains("<svg"))
                let machine = await harness.source.current.machine
                let counted = machine.renderSVG(view: .overview, counts: counts)
                #expect(drawing == counted, "the SVG carries each state's count")
                #expect(try await client.succeed("get_graph", ["format": "dot"]).object["graph"] as? String == machine.render(.dot, view: .overview))
                #expect(
                    try await client.fail("get_graph", ["format": "png"], code: "invalid_value")
                        == "argument 'format' must be one of mermaid, dot, json, text, svg, got 'png'")
                try await client.fail("get_graph", ["view": 1], code: "invalid_value")
            }
        }
    }

    /// A board-only server (no orchestrator in its API) answers `no_live_daemon` for what needs one.
    @Test func toolsThatNeedTheLiveDaemonSayWhenThereIsNone() async throws {
        let harness = try await MCPHarness(live: false)
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                #expect(try await client.succeed("server_info").object["live"] as? Bool == false)
                try await client.succeed("create_issue", ["project": "KAN", "title": "x", "state": "backlog"])
                for tool in ["get_runtime_snapshot", "workflow_status", "refresh", "get_graph"] {
                    try await client.fail(tool, code: "no_live_daemon")
                }
                for tool in ["pause_issue", "resume_issue", "retry_issue", "cancel_issue"] {
                    try await client.fail(tool, ["identifier": "KAN-1"], code: "no_live_daemon")
                }
                try await client.fail("answer_blocked", ["identifier": "KAN-1", "answer": "x"], code: "no_live_daemon")
                try await client.succeed("board_overview")
            }
        }
    }

    /// With the orchestrator not running, a command waits in the store: `command_pending`.
    @Test func aCommandTheDaemonDoesNotHandleInTimeIsPending() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving(orchestrator: false) { entry in
            try await MCPTestClient.with(entry.socket) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "x", "state": "backlog"])
                for tool in ["pause_issue", "resume_issue", "retry_issue", "cancel_issue"] {
                    let message = try await client.fail(tool, ["identifier": "KAN-1", "wait_seconds": 0], code: "command_pending")
                    #expect(message.contains("stays queued"))
                }
            }
        }
    }
}
