import Foundation
import GRDB
public import Runtime
import StateMachine

/// The local board behind the ``Tracker`` protocol, for the orchestrator. Issue ids are the store's
/// row ids as strings; the board has no secrets.
public struct KanbanTracker: Tracker {
    public let board: KanbanBoard

    public init(board: KanbanBoard) {
        self.board = board
    }

    public var kind: String { "kanban" }
    public var secretEnvironmentNames: [String] { [] }

    public func fetchIssues(inStates states: [String]) async throws -> [TrackerIssue] {
        guard !states.isEmpty else { return [] }
        let wanted = Set(states.map(normalizedTrackerState))
        let columns = board.rules.columns.filter { wanted.contains(normalizedTrackerState($0)) }
        return try await board.store.read { [rules = board.rules] db in
            try IssueRecord.filter(columns.contains(Column("trackerState"))).fetchAll(db)
                .sorted(by: IssueRecord.dispatchOrder)
                .map { try KanbanBoard.trackerIssue($0, rules: rules, db) }
        }
    }

    public func fetchIssues(ids: [String]) async throws -> [TrackerIssue] {
        let rowIds = ids.compactMap(Int64.init)
        guard !rowIds.isEmpty else { return [] }
        return try await board.store.read { [rules = board.rules] db in
            try IssueRecord.filter(keys: rowIds).fetchAll(db).map { try KanbanBoard.trackerIssue($0, rules: rules, db) }
        }
    }

    public func writeState(_ state: String, issueId: String, ifCurrently expected: String?) async throws {
        _ = try await board.move(try await identifier(of: issueId), to: state, ifCurrently: expected)
    }

    public func addComment(_ body: String, issueId: String, author: String) async throws {
        _ = try await board.comment(try await identifier(of: issueId), body: body, author: author)
    }

    private func identifier(of issueId: String) async throws -> String {
        guard let rowId = Int64(issueId),
            let issue = try await board.store.read({ db in try IssueRecord.fetchOne(db, key: rowId) })
        else { throw StoreError.issueNotFound(issueId) }
        return issue.identifier
    }
}
