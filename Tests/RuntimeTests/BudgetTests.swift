import Foundation
import GRDB
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// Per-issue budgets: an agent that never moves its issue on is stopped after the budget, not
/// re-dispatched forever, and an operator lifts the block with `retry`.
@Suite struct BudgetTests {
    static func budgetBlocked(_ harness: RuntimeHarness) async throws -> Bool {
        let issue = try await harness.issue("MEM-1")
        return issue.lifecycle.state == .blocked && issue.lifecycle.blockReason == .budgetExhausted
    }

    /// Each run completes without moving the issue: before, a continuation dispatched it again, for
    /// ever. Now the fourth dispatch blocks it, and `retry` gives it as much again.
    @Test func anAgentThatNeverMovesItsIssueIsBlockedAfterItsRuns() async throws {
        let harness = try await RuntimeHarness(
            """
            agent:
              max_runs_per_issue: 3
              continuation_delay_ms: 0
            """
        ) { _ in [.activity("thinking")] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("never done")
            try await harness.eventually("the budget block") { try await Self.budgetBlocked(harness) }
            #expect(harness.runner.records.count == 3)
            let issue = try await harness.issue("MEM-1")
            #expect(
                issue.lifecycle.lastError?.hasPrefix("budget spent: 3 runs of 3; `maestro issue retry` lifts it") == true,
                "\(issue.lifecycle.lastError ?? "")")
            #expect(try await harness.api.issueDetail("MEM-1").allowedCommands.contains("retry"))
            #expect(try await harness.api.submit(.retry, to: "MEM-1").status == .applied)
            try await harness.eventually("the budget block again") {
                try await Self.budgetBlocked(harness) && harness.runner.records.count == 6
            }
        }
        let history = try await harness.history("MEM-1")
        #expect(history.filter { $0 == "dispatch queued->blocked" }.count == 2, "\(history)")
        #expect(history.contains("retry_now blocked->queued"))
        #expect(harness.runner.records.count == 6)
    }

    /// Tokens count across runs, each thread's growth once (a resumed thread re-reports its total).
    @Test func tokensAcrossRunsSpendTheBudget() async throws {
        let harness = try await RuntimeHarness(
            """
            agent:
              max_runs_per_issue: 0
              max_tokens_per_issue: 1000
              continuation_delay_ms: 0
            """
        ) { request in
            [.tokens(input: request.resumeTokens.input + 600, output: request.resumeTokens.output + 100)]
        }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("expensive")
            try await harness.eventually("the budget block") { try await Self.budgetBlocked(harness) }
        }
        #expect(harness.runner.records.count == 2)
        #expect(try await harness.issue("MEM-1").lifecycle.lastError?.hasPrefix("budget spent: 1400 tokens of 1000") == true)
    }

    @Test func turnsAcrossRunsSpendTheBudget() async throws {
        let harness = try await RuntimeHarness(
            """
            agent:
              max_runs_per_issue: 0
              max_turns_per_issue: 3
              continuation_delay_ms: 0
            """
        ) { _ in [.endTurn] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("chatty")
            try await harness.eventually("the budget block") { try await Self.budgetBlocked(harness) }
        }
        #expect(harness.runner.records.count == 2, "two runs of two turns each")
        #expect(try await harness.issue("MEM-1").lifecycle.lastError?.hasPrefix("budget spent: 4 turns of 3") == true)
    }

    /// A run end that would start the next phase's run at once minds the budget too; the block
    /// keeps the phase, so `retry` continues there.
    @Test func aPhaseChangeWithTheBudgetSpentBlocksInTheNewPhase() async throws {
        let harness = try await RuntimeHarness(
            """
            agent:
              max_runs_per_issue: 1
            phases:
              review:
                prompt: "Review {{ issue.identifier }}."
            """
        ) { request in request.phase == .implementation ? [.move(to: "human_review")] : [.move(to: "done")] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("one run only")
            try await harness.eventually("the budget block") { try await Self.budgetBlocked(harness) }
            #expect(try await harness.issue("MEM-1").lifecycle.phase == .review)
            #expect(try await harness.api.submit(.retry, to: "MEM-1").status == .applied)
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .closed }
        }
        #expect(harness.runner.records.map(\.phase) == [.implementation, .review])
        let history = try await harness.history("MEM-1")
        #expect(history.contains("run_ended running->blocked"), "\(history)")
    }

    /// Usage since the last lift: sessions after the latest `reset_budget`, each thread's growth.
    @Test func usageCountsRunsTurnsAndEachThreadsGrowthSinceTheLastLift() async throws {
        let harness = try await RuntimeHarness()
        defer { harness.cleanup() }
        let issue = try await harness.add("counted")
        let id =
            try await harness.store.read { db in
                try Int64.fetchOne(db, sql: "SELECT id FROM issue WHERE identifier = ?", arguments: [issue.identifier])
            } ?? 0
        func session(_ thread: String?, tokens: Int, turns: Int, at: String) async throws {
            try await harness.store.write { db in
                try db.execute(
                    sql: "INSERT INTO session (issueId, phase, threadId, turnCount, totalTokens, startedAt) VALUES (?, 'implementation', ?, ?, ?, ?)",
                    arguments: [id, thread, turns, tokens, at])
            }
        }
        try await session("a", tokens: 100, turns: 2, at: "2026-01-01 00:00:01.000")
        try await session("a", tokens: 250, turns: 1, at: "2026-01-01 00:00:02.000")  // resumed: grew by 150
        try await session("b", tokens: 50, turns: 3, at: "2026-01-01 00:00:03.000")
        try await session(nil, tokens: 10, turns: 1, at: "2026-01-01 00:00:04.000")
        var usage = try await harness.store.read { db in try BudgetUsage.of(issue: id, db) }
        #expect(usage == BudgetUsage(runs: 4, turns: 7, tokens: 310))
        try await harness.store.write { db in
            try db.execute(
                sql: """
                    INSERT INTO "transition" (issueId, identifier, version, fromState, toState, event, attempt, payload, at)
                    VALUES (?, 'MEM-1', 1, 'blocked', 'queued', 'retry_now', 0, '{"effects":"reset_budget"}', '2026-01-01 00:00:02.500')
                    """, arguments: [id])
        }
        usage = try await harness.store.read { db in try BudgetUsage.of(issue: id, db) }
        #expect(usage == BudgetUsage(runs: 2, turns: 4, tokens: 60))
    }
}
