import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing
import WorkflowParser

/// Symphony §17.4, runs: exits, retries, stalls and reconciliation, with the real store and the fake
/// app-server doing what each prompt says.
@Suite struct OrchestratorRunTests {
    /// The delay is the configured one (1 s by default, checked in the machine's tests); a long one
    /// here keeps the issue in `retrying` while the test looks.
    @Test func aNormalExitSchedulesAContinuationAfterTheConfiguredDelay() async throws {
        let harness = try OrchestratorHarness(
            frontMatter: "agent:\n  max_turns: 1\n  continuation_delay_ms: 30000", prompt: "Work on {{ issue.identifier }}.")
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("a")
        let issue = try await harness.running {
            try await harness.eventually("the continuation") { try await harness.issue("MAE-1").lifecycleState == .retrying }
            return try await harness.issue("MAE-1")
        }
        let ended = try #require(try await harness.log("MAE-1").last { $0.event == .runEnded })
        #expect(ended.toState == .retrying)
        #expect(ended.payloadObject["dueInMs"] == "30000")
        #expect(issue.attempt == 0)
        let due = try #require(issue.dueAt)
        #expect(due > ended.at && due <= ended.at.addingTimeInterval(30.001))
        let sessions = try await harness.store.read { db in try SessionRecord.fetchAll(db) }
        #expect(sessions.count == 1 && sessions[0].endedAt != nil && sessions[0].threadId != nil)
        #expect(sessions[0].outcome == "completed after 1 turn(s)")
    }

    @Test func anAbnormalExitRetriesWithExponentialBackoffAndRecordsTheError() async throws {
        let harness = try OrchestratorHarness(
            frontMatter: "agent:\n  max_retry_backoff_ms: 15000",
            prompt: "Fail.\n@@complete {\"status\": \"failed\", \"error\": {\"message\": \"model exploded\"}}")
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("a")
        try await harness.running {
            try await harness.eventually("a failure retry") { try await harness.issue("MAE-1").lifecycleState == .retrying }
        }
        var issue = try await harness.issue("MAE-1")
        #expect(issue.attempt == 1)
        #expect(issue.lastError?.contains("model exploded") == true, "\(issue.lastError ?? "")")
        let failed = try #require(try await harness.log("MAE-1").last { $0.event == .runFailed })
        #expect(failed.payloadObject["dueInMs"] == "10000")
        #expect(failed.identifier == "MAE-1" && failed.attempt == 1)
        // The next failure doubles the delay, capped by agent.max_retry_backoff_ms.
        let machine = await harness.source.current.machine
        _ = try await TransitionStore.apply(.retryDue, to: issue.id!, in: harness.store, machine: machine)
        _ = try await TransitionStore.apply(.dispatch, to: issue.id!, in: harness.store, machine: machine)
        _ = try await TransitionStore.apply(.workspaceReady, to: issue.id!, in: harness.store, machine: machine)
        let second = try await TransitionStore.apply(.runFailed, to: issue.id!, in: harness.store, machine: machine, error: "again")
        #expect(second.committed?.record.payloadObject["dueInMs"] == "15000")
        issue = try await harness.issue("MAE-1")
        #expect(issue.attempt == 2)
    }

    @Test func aStalledRunIsKilledAndRetried() async throws {
        let harness = try OrchestratorHarness(
            codex: "  stall_timeout_ms: 400", frontMatter: "polling:\n  interval_ms: 100",
            prompt: "Hang.\n@@silence {}")
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("a")
        try await harness.running {
            try await harness.eventually("the stall retry") { try await harness.issue("MAE-1").lifecycleState == .retrying }
        }
        let issue = try await harness.issue("MAE-1")
        #expect(issue.lastError?.hasPrefix("stalled") == true, "\(issue.lastError ?? "")")
        #expect(await harness.orchestrator.liveRunCount == 0)
        let session = try #require(try await harness.store.read { db in try SessionRecord.fetchOne(db) })
        #expect(session.outcome?.hasPrefix("stopped: stalled") == true)
        let pid = try #require(session.pid)
        #expect(ProcessGroup.startTime(of: pid) == nil, "the stalled agent process is gone")
    }

    @Test func aTerminalTrackerStateStopsTheRunAndRemovesTheWorkspace() async throws {
        let harness = try OrchestratorHarness(prompt: "Hang.\n@@silence {}")
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("a")
        let workspace = harness.workspaceRoot + "/MAE-1"
        try await harness.running {
            try await harness.eventually("the agent process") {
                try await harness.store.read { db in try SessionRecord.filter(Column("pid") != nil).fetchCount(db) } == 1
            }
            _ = try await harness.api.moveIssue("MAE-1", to: "cancelled")
            try await harness.eventually("the stop") { await harness.orchestrator.liveRunCount == 0 }
            try await harness.eventually("the session's end") {
                try await harness.store.read { db in try SessionRecord.fetchOne(db)?.endedAt } != nil
            }
            try await harness.eventually("the cleanup") { !FileManager.default.fileExists(atPath: workspace) }
        }
        #expect(try await harness.issue("MAE-1").lifecycleState == .closed)
        let session = try #require(try await harness.store.read { db in try SessionRecord.fetchOne(db) })
        #expect(session.endedAt != nil)
        #expect(ProcessGroup.startTime(of: try #require(session.pid)) == nil)
    }

    @Test func aNonActiveTrackerStateStopsTheRunAndKeepsTheWorkspace() async throws {
        let harness = try OrchestratorHarness(prompt: "Hang.\n@@silence {}")
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("a")
        try await harness.running {
            try await harness.eventually("the agent process") {
                try await harness.store.read { db in try SessionRecord.filter(Column("pid") != nil).fetchCount(db) } == 1
            }
            _ = try await harness.api.moveIssue("MAE-1", to: "backlog")
            try await harness.eventually("the stop") { await harness.orchestrator.liveRunCount == 0 }
        }
        #expect(try await harness.issue("MAE-1").lifecycleState == .released)
        #expect(FileManager.default.fileExists(atPath: harness.workspaceRoot + "/MAE-1"))
    }

    @Test func anAgentQuestionBlocksUntilAnOperatorAnswers() async throws {
        let harness = try OrchestratorHarness(
            frontMatter: "agent:\n  max_turns: 1",
            prompt:
                "Ask.\n@@userInput {\"questions\": [{\"id\": \"q1\", \"header\": \"Which\", \"question\": \"Which database?\", \"options\": []}]}\n@@toolCall {\"tool\": \"kanban_move\", \"arguments\": {\"state\": \"human_review\"}}"
        )
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("a")
        try await harness.running {
            try await harness.eventually("the question") { try await harness.issue("MAE-1").lifecycleState == .blocked }
            #expect(try await harness.issue("MAE-1").blockReason == .inputRequired)
            // The question is where every surface can see and answer it.
            let pending = try await harness.api.pendingRequests("MAE-1")
            #expect(pending.count == 1)
            let request = try #require(pending.first)
            #expect(request.kind == "question" && request.issue == "MAE-1" && request.accepts == [])
            #expect(request.detail.questions.map(\.question) == ["Which database?"])
            let detail = try await harness.api.issueDetail("MAE-1")
            #expect(detail.pendingRequests == pending)
            #expect(detail.allowedCommands.contains("answer"))
            // An answer is addressed to a request that waits; another id is refused before the daemon sees it.
            let misaddressed = await apiError { _ = try await harness.api.submit(.answer, to: "MAE-1", answer: "sqlite", requestId: "nope") }
            #expect(misaddressed?.code == "request_not_found")
            let verdict = try await harness.api.submit(.answer, to: "MAE-1", answer: "sqlite", wait: .seconds(20))
            #expect(verdict.status == .applied && verdict.daemon)
            #expect(verdict.transition?.event == .operatorAnswered && verdict.transition?.from == .blocked)
            #expect(verdict.transition?.details["request_id"] == request.id)
            #expect(verdict.transition?.details["answer"] == "sqlite")
            try await harness.eventually("the hand-off") { try await harness.issue("MAE-1").lifecycleState == .review }
        }
        let events = try await harness.log("MAE-1").map(\.event)
        #expect(events == [.dispatch, .workspaceReady, .inputRequired, .operatorAnswered, .runEnded])
        let command = try await harness.store.read { db in try OperatorCommandRecord.fetchOne(db) }
        #expect(command?.status == .applied)
        #expect(try await harness.issue("MAE-1").trackerState == "human_review")
        #expect(try await harness.api.pendingRequests("MAE-1").isEmpty)
        let resolution = try await harness.store.read { db in try AgentRequestRecord.fetchOne(db)?.resolution }
        #expect(resolution == "answered: sqlite")
    }
}
