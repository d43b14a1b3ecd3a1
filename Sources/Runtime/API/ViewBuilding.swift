import Foundation
import GRDB
import StateMachine

/// Builds read models from records, in batches: one query per related table, not one per issue.
enum ViewBuilding {
    static func lifecycle(_ issue: IssueRecord) -> LifecycleView {
        LifecycleView(
            state: issue.lifecycleState, version: issue.version, attempt: issue.attempt, phase: issue.phase,
            blockReason: issue.blockReason, dueAt: issue.dueAt, lastError: issue.lastError)
    }

    /// Views of `issues`, in their order.
    static func issues(_ issues: [IssueRecord], _ db: Database) throws -> [IssueView] {
        guard !issues.isEmpty else { return [] }
        let projects = Dictionary(uniqueKeysWithValues: try ProjectRecord.fetchAll(db).map { ($0.id ?? 0, $0) })
        var blockers: [Int64: [BlockerView]] = [:]
        let ids = issues.compactMap(\.id)
        // One pass over the blocker edges of these issues (all of them when the list is large).
        let edges: [Row] =
            ids.count > 500
            ? try Row.fetchAll(
                db,
                sql: """
                    SELECT b.issueId, i.externalId, i.identifier, i.trackerState FROM issueBlocker b
                    JOIN issue i ON i.id = b.blockerId ORDER BY i.identifier
                    """)
            : try Row.fetchAll(
                db,
                sql: """
                    SELECT b.issueId, i.externalId, i.identifier, i.trackerState FROM issueBlocker b
                    JOIN issue i ON i.id = b.blockerId WHERE b.issueId IN (\(ids.map { _ in "?" }.joined(separator: ",")))
                    ORDER BY i.identifier
                    """, arguments: StatementArguments(ids))
        for edge in edges {
            blockers[edge[0], default: []].append(BlockerView(id: edge[1], identifier: edge[2], state: edge[3]))
        }
        return issues.map { issue in
            let project = projects[issue.projectId]
            let external = issue.externalBlockers.map { BlockerView(id: $0.id, identifier: $0.identifier, state: $0.state) }
            return IssueView(
                id: issue.externalId ?? issue.identifier, identifier: issue.identifier, project: project?.key ?? "?",
                provider: project?.provider ?? "kanban", title: issue.title, description: issue.description,
                priority: issue.priority, state: issue.trackerState, labels: issue.labels,
                blockedBy: (blockers[issue.id ?? 0] ?? []) + external, assignee: issue.assignee, url: issue.url,
                branchName: issue.branchName, visible: issue.visible, lifecycle: lifecycle(issue), createdAt: issue.createdAt,
                updatedAt: issue.updatedAt)
        }
    }

    static func issue(_ issue: IssueRecord, _ db: Database) throws -> IssueView {
        try issues([issue], db)[0]
    }

    static func project(_ project: ProjectRecord, _ db: Database) throws -> ProjectView {
        let count = try IssueRecord.filter(Column("projectId") == project.id).fetchCount(db)
        return projectView(project, issueCount: count)
    }

    static func projectView(_ project: ProjectRecord, issueCount: Int) -> ProjectView {
        let settings = (try? JSONDecoder().decode([String: String].self, from: Data(project.settings.utf8))) ?? [:]
        return ProjectView(
            key: project.key, name: project.name, description: project.description, provider: project.provider,
            externalId: project.externalId, settings: settings, issueCount: issueCount, createdAt: project.createdAt,
            updatedAt: project.updatedAt)
    }

    static func comment(_ comment: CommentRecord, issue: String) -> CommentView {
        CommentView(id: comment.id ?? 0, issue: issue, author: comment.author, body: comment.body, createdAt: comment.createdAt)
    }

    static func transition(_ record: TransitionRecord) -> TransitionView {
        var details = record.payloadObject
        let guards = details.removeValue(forKey: "guards") ?? ""
        let effects = details.removeValue(forKey: "effects") ?? ""
        return TransitionView(
            seq: record.seq ?? 0, issue: record.identifier, version: record.version, from: record.fromState, to: record.toState,
            event: record.event, attempt: record.attempt, guards: guards.split(separator: " ").map(String.init),
            effects: effects.split(separator: " ").map(String.init), details: details, at: record.at)
    }

    static func change(_ record: BoardChangeRecord) -> BoardChangeView {
        BoardChangeView(
            seq: record.seq ?? 0, kind: record.kind, project: record.project, issue: record.identifier,
            details: record.payloadObject, at: record.at)
    }

    static func session(_ session: SessionRecord, issue: String) -> SessionView {
        SessionView(
            id: session.id ?? 0, issue: issue, phase: session.phase, threadId: session.threadId, turnCount: session.turnCount,
            pid: session.pid,
            tokens: TokenView(inputTokens: session.inputTokens, outputTokens: session.outputTokens, totalTokens: session.totalTokens),
            lastEvent: session.lastEvent, lastEventAt: session.lastEventAt, lastMessage: session.lastMessage,
            startedAt: session.startedAt, endedAt: session.endedAt, outcome: session.outcome, live: session.endedAt == nil)
    }

    static func request(_ record: AgentRequestRecord, issue: String) -> AgentRequestView {
        let detail =
            (try? MaestroJSON.decoder().decode(AgentRequestDetail.self, from: Data(record.detail.utf8))) ?? AgentRequestDetail()
        return AgentRequestView(
            id: record.requestId, issue: issue, sessionId: record.sessionId, kind: record.kind, summary: record.summary,
            detail: detail, accepts: AnswerRules.accepted(kind: record.kind, detail: detail), createdAt: record.createdAt,
            resolvedAt: record.resolvedAt, resolution: record.resolution)
    }

    static func event(_ record: RuntimeEventRecord) -> RuntimeEventView {
        RuntimeEventView(id: record.id ?? 0, sessionId: record.sessionId, kind: record.kind, message: record.message, at: record.at)
    }

    /// Token totals of sessions, each thread counted once: a resumed thread's sessions carry its
    /// running totals, so the largest of them is the thread's total.
    static func tokenTotals(issueId: Int64?, _ db: Database) throws -> TokenView {
        let filter = issueId == nil ? "" : "WHERE issueId = ?"
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(i), 0), COALESCE(SUM(o), 0), COALESCE(SUM(t), 0) FROM (
                  SELECT MAX(inputTokens) AS i, MAX(outputTokens) AS o, MAX(totalTokens) AS t FROM session \(filter)
                  GROUP BY COALESCE(threadId, 'session:' || id))
                """, arguments: issueId.map { [$0] } ?? [])
        return TokenView(inputTokens: row?[0] ?? 0, outputTokens: row?[1] ?? 0, totalTokens: row?[2] ?? 0)
    }
}
