import Foundation
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// The four defects of the lifecycle-ownership issue, each tried as a user met it.
@Suite struct DefectRegressionTests {
    /// An agent that moves its issue to review and keeps its turn open, streaming telemetry, used to
    /// keep the daemon ticking at 100 % of a core: every write woke the scheduler, and each tick ended
    /// with a rejected `tracker_updated` for the live run.
    @Test func anAgentThatKeepsWorkingAfterMovingItsIssueLeavesTheDaemonIdle() async throws {
        let harness = try await RuntimeHarness(
            """
            phases:
              review:
                prompt: "Review {{ issue.identifier }}."
            """
        ) { request in
            request.phase == .implementation
                ? [.move(to: "human_review"), .busy(.seconds(2), every: .milliseconds(10)), .endTurn]
                : [.move(to: "done")]
        }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("Keep talking after the hand-off")
            try await harness.eventually("the hand-off") { try await harness.issue("MEM-1").state == "human_review" }
            let before = await harness.orchestrator.tickCount
            try await Task.sleep(for: .milliseconds(1500))
            let during = await harness.orchestrator.tickCount - before
            // The hand-off's own write may still wake one tick; telemetry wakes none.
            #expect(during <= 2, "the daemon ticked \(during) times while one agent streamed telemetry for 1.5 s")
            let tokens = try await harness.api.snapshot().running.first?.tokens.totalTokens ?? 0
            #expect(tokens > 0, "the agent's telemetry reached the live snapshot")
            try await harness.eventually("the review and the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
        }
        #expect(
            try await harness.history("MEM-1") == [
                "dispatch queued->workspace", "workspace_ready workspace->running", "run_ended running->review",
                "tracker_updated review->closed",
            ])
    }

    /// An answer given after longer than `codex.stall_timeout_ms` used to arrive together with a
    /// stall verdict: the run was killed and the answer lost. Waiting on a person is not silence.
    @Test func anAnswerAfterTheStallTimeoutReachesTheSameRun() async throws {
        let clock = TestClock()
        let harness = try await RuntimeHarness(
            """
            codex:
              stall_timeout_ms: 3000
            """, clock: clock
        ) { _ in [.ask(id: "q1", question: "Which database?"), .awaitAnswers, .move(to: "done")] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("Ask before writing")
            try await harness.eventually("the question") { try await harness.issue("MEM-1").lifecycle.state == .blocked }
            clock.advance(by: 7)  // the operator takes 7 s
            let verdict = try await harness.api.submit(.answer, to: "MEM-1", answer: "Postgres")
            #expect(verdict.status == .applied)
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
        }
        let runs = harness.runner.records
        #expect(runs.count == 1, "one run, continued in the same session")
        #expect(runs.first?.answers == [AgentAnswer(requestId: "q1", text: "Postgres")])
        let history = try await harness.history("MEM-1")
        #expect(!history.contains { $0.hasPrefix("run_failed") }, "\(history)")
        #expect(history.contains("operator_answered blocked->running"))
        #expect(try await harness.api.sessions("MEM-1").count == 1)
    }

    /// Two questions waiting at once are answered one by one, each to its own request.
    @Test func twoPendingRequestsAreAnsweredSeparately() async throws {
        let harness = try await RuntimeHarness { _ in
            [
                .ask(id: "q1", question: "Which database?"), .ask(id: "q2", question: "Ship today?", options: ["yes", "no"]),
                .awaitAnswers, .move(to: "done"),
            ]
        }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("Two questions")
            try await harness.eventually("both questions") { try await harness.api.pendingRequests("MEM-1").count == 2 }
            let ambiguous = await #expect(throws: APIError.self) { try await harness.api.submit(.answer, to: "MEM-1", answer: "yes") }
            #expect(ambiguous?.code == "ambiguous_request")
            let wrong = await #expect(throws: APIError.self) {
                try await harness.api.submit(.answer, to: "MEM-1", answer: "maybe", requestId: "q2")
            }
            #expect(wrong?.code == "invalid_answer")
            #expect(wrong?.message.contains("yes, no") == true)
            #expect(try await harness.api.submit(.answer, to: "MEM-1", answer: "Yes", requestId: "q2").status == .applied)
            // Still waiting on q1: blocked again, for that request alone.
            try await harness.eventually("blocked again on the other request") {
                let issue = try await harness.issue("MEM-1")
                let pending = try await harness.api.pendingRequests("MEM-1").map(\.id)
                return issue.lifecycle.state == .blocked && pending == ["q1"]
            }
            #expect(try await harness.api.submit(.answer, to: "MEM-1", answer: "Postgres").status == .applied)
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
        }
        #expect(harness.runner.records.count == 1)
        #expect(
            harness.runner.records.first?.answers == [
                AgentAnswer(requestId: "q2", text: "yes"), AgentAnswer(requestId: "q1", text: "Postgres"),
            ])
    }

    /// `[stop_run, remove_workspace]` used to delete the directory while the agent was still exiting
    /// in it, and `after_run` then had nothing to run in.
    @Test func aWorkspaceIsRemovedOnlyAfterItsRunIsGone() async throws {
        let harness = try await RuntimeHarness(
            """
            hooks:
              after_run: "touch \\"$MAESTRO_WORKSPACE_ROOT/after-run-$MAESTRO_ISSUE_IDENTIFIER\\""
            """
        ) { _ in [.ignoreStop(.milliseconds(800)), .wait(.seconds(60))] }
        defer { harness.cleanup() }
        let workspace = URL(fileURLWithPath: harness.workspaceRoot).appendingPathComponent("MEM-1").path
        try await harness.running {
            let issue = try await harness.add("Slow to stop")
            try await harness.eventually("the run") { harness.runner.liveRuns == 1 }
            harness.tracker.change(issue.id) { $0.state = "done" }
            _ = try await harness.api.refresh()
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
            try await harness.eventually("the workspace's removal") { !FileManager.default.fileExists(atPath: workspace) }
        }
        let run = try #require(harness.runner.records.first)
        #expect(run.ending == .stopped)
        #expect(run.workspaceExistedAtEnd == true, "the workspace was deleted under the run")
        #expect(FileManager.default.fileExists(atPath: harness.workspaceRoot + "/after-run-MEM-1"), "after_run ran before the removal")
    }

    /// After a hot reload that renames the claim state, a claim writes the new state: the daemon
    /// decides with the workflow in force, not the one it started with.
    @Test func aClaimAfterAReloadWritesTheNewClaimState() async throws {
        let harness = try await RuntimeHarness { _ in [.wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            let first = try await harness.add("Before the edit")
            try await harness.eventually("the first claim") { harness.tracker.snapshot(first.id)?.state == "in_progress" }
            try harness.temporary.write(
                """
                ---
                tracker:
                  kind: kanban
                  active_states: [todo, doing]
                  claim_state: doing
                workspace:
                  root: ./workspaces
                ---
                Implement {{ issue.identifier }}.
                """)
            _ = try await harness.api.refresh()
            try await harness.eventually("the reload") { try await harness.api.snapshot().workflow.revision == 2 }
            let second = try await harness.add("After the edit")
            try await harness.eventually("the second claim") { harness.tracker.snapshot(second.id)?.state == "doing" }
            // The first issue's state is no longer active under the new workflow: it is released.
            try await harness.eventually("the first issue's release") { try await harness.issue("MEM-1").lifecycle.state == .released }
        }
    }
}

/// Answers are checked against what the pending request accepts (issue 4 of the hardening list).
@Suite struct AnswerCheckTests {
    @Test func anApprovalTakesItsWordsOnlyAndAQuestionAnyText() async throws {
        let harness = try await RuntimeHarness { _ in
            [.approval(id: "a1", command: "rm -rf build"), .ask(id: "q1", question: "Why?"), .awaitAnswers, .move(to: "done")]
        }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("needs approval")
            try await harness.eventually("both requests") { try await harness.api.pendingRequests("MEM-1").count == 2 }
            let approval = try #require(try await harness.api.pendingRequests("MEM-1").first { $0.id == "a1" })
            #expect(approval.accepts == ["approve", "approve-session", "deny", "cancel"])
            let yes = await #expect(throws: APIError.self) { try await harness.api.submit(.answer, to: "MEM-1", answer: "yes", requestId: "a1") }
            #expect(yes?.code == "invalid_answer")
            #expect(yes?.message == "'yes' does not answer approval a1 of MEM-1; answer one of: approve, approve-session, deny, cancel")
            let unknown = await #expect(throws: APIError.self) { try await harness.api.submit(.answer, to: "MEM-1", answer: "deny", requestId: "zz") }
            #expect(unknown?.code == "request_not_found")
            let empty = await #expect(throws: APIError.self) { try await harness.api.submit(.answer, to: "MEM-1", answer: "  ", requestId: "q1") }
            #expect(empty?.code == "invalid_answer")
            #expect(try await harness.api.submit(.answer, to: "MEM-1", answer: "APPROVE", requestId: "a1").status == .applied)
            try await harness.eventually("the other request alone") { try await harness.api.pendingRequests("MEM-1").map(\.id) == ["q1"] }
            #expect(try await harness.api.submit(.answer, to: "MEM-1", answer: "because the build is stale").status == .applied)
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
        }
        #expect(
            harness.runner.records.first?.answers == [
                AgentAnswer(requestId: "a1", text: "approve"), AgentAnswer(requestId: "q1", text: "because the build is stale"),
            ])
    }
}
