import Foundation
import GRDB
import StateMachine
import WorkflowParser

extension Orchestrator: LiveRuntime {
    /// The live state: runs from memory, the retry queue and blocked issues from the store (through
    /// a reader, never waiting on the writer), totals, rate limits and the workflow in force.
    /// Not isolated to the orchestrator: it never queues behind the runs' own events.
    public nonisolated func snapshot() async throws -> RuntimeSnapshot {
        let now = clock.now()
        let live = liveRuns.current
        let runs = live.book.runs
        let limits = live.rateLimits
        let sync = syncBoard.overview
        let status = await source.status()
        return try await store.read { db in
            let ids = Array(runs.keys)
            let issues = Dictionary(
                try IssueRecord.filter(keys: ids).fetchAll(db).map { ($0.id ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
            let running = runs.sorted { $0.value.startedAt < $1.value.startedAt }.compactMap { issueId, run -> RuntimeSnapshot.Running? in
                guard let issue = issues[issueId] else { return nil }
                return RuntimeSnapshot.Running(
                    issueId: issue.externalId ?? issue.identifier, issueIdentifier: issue.identifier, issueUrl: issue.url,
                    state: issue.trackerState, sessionId: run.sessionId.map(String.init) ?? "", threadId: run.threadId,
                    turnCount: run.turnCount, lastEvent: run.lastEvent, lastMessage: run.lastMessage, startedAt: run.startedAt,
                    lastEventAt: run.lastEventAt,
                    tokens: TokenView(inputTokens: run.tokens.input, outputTokens: run.tokens.output, totalTokens: run.tokens.total),
                    lifecycleState: issue.lifecycleState, phase: run.phase, waitingOnOperator: !run.awaiting.isEmpty)
            }
            let retrying = try IssueRecord.waiting(.retrying).order(Column("dueAt"))
                .fetchAll(db).map {
                    RuntimeSnapshot.Retrying(
                        issueId: $0.externalId ?? $0.identifier, issueIdentifier: $0.identifier, issueUrl: $0.url, attempt: $0.attempt,
                        dueAt: $0.dueAt, error: $0.lastError, phase: $0.phase)
                }
            let blockedIssues = try IssueRecord.waiting(.blocked).order(Column("updatedAt")).fetchAll(db)
            let requests = Dictionary(grouping: try AgentRequestRecord.open().fetchAll(db), by: \.issueId)
            let blocked = blockedIssues.map { issue in
                RuntimeSnapshot.Blocked(
                    issueId: issue.externalId ?? issue.identifier, issueIdentifier: issue.identifier, issueUrl: issue.url,
                    reason: issue.blockReason ?? .paused, error: issue.lastError,
                    requests: (requests[issue.id ?? 0] ?? []).map { ViewBuilding.request($0, issue: issue.identifier) })
            }
            let tokens = try ViewBuilding.tokenTotals(issueId: nil, db)
            let ended =
                try Double.fetchOne(
                    db,
                    sql: "SELECT COALESCE(SUM((julianday(endedAt) - julianday(startedAt)) * 86400.0), 0) FROM session WHERE endedAt IS NOT NULL")
                ?? 0
            let elapsed = runs.values.reduce(0) { $0 + max(0, now.timeIntervalSince($1.startedAt)) }
            return RuntimeSnapshot(
                generatedAt: now,
                counts: .init(running: running.count, retrying: retrying.count, blocked: blocked.count),
                running: running, retrying: retrying, blocked: blocked,
                codexTotals: .init(
                    inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens, totalTokens: tokens.totalTokens,
                    secondsRunning: ((ended + elapsed) * 1000).rounded() / 1000),
                rateLimits: limits, workflow: status, sync: sync)
        }
    }

    public func rules() async -> LifecycleRules {
        LifecycleRules(workflow: await source.current)
    }
}

extension WorkflowSource {
    /// The workflow in force and the last reload's errors, in one visit.
    func status() -> WorkflowStatus {
        WorkflowStatus(
            path: path, revision: revision, lastReloadErrors: lastError?.diagnostics ?? [], summary: current.machine.policy.summary,
            warnings: current.warnings)
    }
}
