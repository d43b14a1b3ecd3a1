import Foundation
import GRDB
import RuntimeTesting
import StateMachine
import Testing

@testable import Runtime

/// The tick and `GET /api/v1/state` find retrying and blocked issues through partial indexes, not
/// by scanning the whole board.
@Suite struct WaitingIndexTests {
    @Test func waitingIssuesAreFoundThroughTheirPartialIndexes() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let board = Board(store: store)
        _ = try await board.createProject(NewProject(name: "waiting", key: "W"))
        let now = Date()
        let states: [LifecycleState] = [.queued, .retrying, .released, .blocked, .retrying, .closed]
        try await store.write { db in
            guard var project = try ProjectRecord.find("W", in: db) else { return }
            for (index, state) in states.enumerated() {
                var issue = IssueRecord(
                    projectId: project.id ?? 0, identifier: "W-\(try project.allocateNumber(db))", title: "issue \(index)",
                    description: nil, priority: nil, trackerState: "todo", labels: [], at: now)
                issue.lifecycleState = state
                issue.dueAt = now.addingTimeInterval(Double(index) * 60)
                try issue.insert(db)
            }
        }
        let (retrying, blocked, due, next, plans) = try await store.read { db in
            (
                try IssueRecord.waiting(.retrying).order(Column("dueAt")).fetchAll(db).map(\.identifier),
                try IssueRecord.waiting(.blocked).fetchAll(db).map(\.identifier),
                try IssueRecord.due(at: now.addingTimeInterval(120), db).map(\.identifier),
                try IssueRecord.nextDue(db),
                [
                    try Self.plan(IssueRecord.waiting(.retrying).order(Column("dueAt")), db),
                    try Self.plan(IssueRecord.waiting(.blocked).order(Column("updatedAt")), db),
                    try Self.plan(IssueRecord.waiting(.retrying).filter(Column("dueAt") <= now), db),
                ]
            )
        }
        #expect(retrying == ["W-2", "W-5"])
        #expect(blocked == ["W-4"])
        #expect(due == ["W-2"])
        #expect(next.map { abs($0.timeIntervalSince(now.addingTimeInterval(60))) < 0.01 } == true)
        #expect(plans[0].contains("issue_retrying"), "\(plans[0])")
        #expect(plans[1].contains("issue_blocked"), "\(plans[1])")
        #expect(plans[2].contains("issue_retrying"), "\(plans[2])")
        // Other states have no index: the check above can fail.
        let queued = try await store.read { db in try Self.plan(IssueRecord.filter(sql: "lifecycleState = 'queued'"), db) }
        #expect(!queued.contains("INDEX"), "\(queued)")
    }

    private static func plan(_ request: QueryInterfaceRequest<IssueRecord>, _ db: Database) throws -> String {
        let statement = try request.makePreparedRequest(db).statement
        return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement.sql, arguments: statement.arguments)
            .map { $0["detail"] as String? ?? "" }.joined(separator: "; ")
    }
}
