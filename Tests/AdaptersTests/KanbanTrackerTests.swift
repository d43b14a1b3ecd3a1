import Adapters
import Foundation
import Runtime
import StateMachine
import Testing

extension KanbanTests {
    /// The board behind the runtime's `Tracker` protocol.
    @Suite struct TrackerAdapter {
        @Test func emptyRequestsReturnNothing() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                let tracker = KanbanTracker(board: board)
                #expect(tracker.kind == "kanban")
                #expect(tracker.secretEnvironmentNames == [])
                #expect(try await tracker.fetchIssues(inStates: []) == [])
                #expect(try await tracker.fetchIssues(ids: []) == [])
                #expect(try await tracker.fetchIssues(ids: ["x", ""]) == [])
                #expect(try await tracker.fetchIssues(inStates: ["nowhere"]) == [])
            }
        }

        @Test func fetchByStatesIsCaseInsensitiveAndNormalized() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let blocker = try await board.add("blocker", state: "backlog", priority: 3)
                let dependent = try await board.createIssue(
                    in: "MAE",
                    NewIssue(
                        title: "dependent", description: "body", priority: 1, state: "in_progress", labels: ["UI", " ui", "Bug"],
                        blockedBy: ["MAE-1"]))
                try await board.add("later", priority: 2)
                try await board.add("finished", state: "done")
                let tracker = KanbanTracker(board: board)

                let active = try await tracker.fetchIssues(inStates: [" TODO", "In_Progress"])
                #expect(active.map(\.identifier) == ["MAE-2", "MAE-3"])
                let first = try #require(active.first)
                #expect(first.id == String(dependent.id ?? 0))
                #expect(first.title == "dependent")
                #expect(first.description == "body")
                #expect(first.priority == 1)
                #expect(first.state == "in_progress")
                #expect(first.labels == ["ui", "bug"])
                #expect(first.blockedBy == [.init(id: String(blocker.id ?? 0), identifier: "MAE-1", state: "backlog")])
                #expect(first.dispatchable == false)
                #expect(first.assigneeId == nil)
                #expect(first.url == nil)
                #expect(first.branchName == nil)
                #expect(first.createdAt != nil)
                #expect(active[1].blockedBy == [])
                #expect(active[1].dispatchable == true)

                let terminal = try await tracker.fetchIssues(inStates: ["Done", "cancelled"])
                #expect(terminal.map(\.identifier) == ["MAE-4"])
                #expect(terminal.map(\.state) == ["done"])
            }
        }

        @Test func fetchByIdsOmitsUnknownIds() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let a = try await board.add("a")
                let b = try await board.add("b")
                let tracker = KanbanTracker(board: board)
                let ids = [String(b.id ?? 0), "999", "not-a-number", String(a.id ?? 0)]
                let fetched = try await tracker.fetchIssues(ids: ids)
                #expect(Set(fetched.map(\.identifier)) == ["MAE-1", "MAE-2"])
                #expect(fetched.count == 2)
                _ = try await board.deleteIssue("MAE-1")
                #expect(try await tracker.fetchIssues(ids: ids).map(\.identifier) == ["MAE-2"])
            }
        }

        @Test func writeStateMovesTheIssueAndFeedsTheLifecycle() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("a")
                let tracker = KanbanTracker(board: board)
                try await tracker.writeState("In_Progress", issueId: String(issue.id ?? 0), ifCurrently: nil)
                #expect(try await board.issue("MAE-1").trackerState == "in_progress")
                // A write-back expecting a state the issue has left changes nothing.
                try await tracker.writeState("backlog", issueId: String(issue.id ?? 0), ifCurrently: "todo")
                #expect(try await board.issue("MAE-1").trackerState == "in_progress")
                try await tracker.writeState("done", issueId: String(issue.id ?? 0), ifCurrently: "IN_PROGRESS")
                let done = try await board.issue("MAE-1")
                #expect(done.trackerState == "done")
                #expect(done.lifecycleState == .closed)
                #expect(try await board.log() == [LogRow("MAE-1", "tracker_updated", "queued", "closed")])

                let invalid = await storeError { try await tracker.writeState("shipped", issueId: String(issue.id ?? 0), ifCurrently: nil) }
                #expect(invalid?.code == "invalid_state")
                let unknown = await storeError { try await tracker.writeState("todo", issueId: "999", ifCurrently: nil) }
                #expect(unknown == .issueNotFound("999"))
            }
        }

        @Test func addCommentStoresTheComment() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("a")
                let tracker = KanbanTracker(board: board)
                try await tracker.addComment("Working on it", issueId: String(issue.id ?? 0), author: "maestro")
                let comments = try await board.detail("MAE-1").comments
                #expect(comments.map(\.body) == ["Working on it"])
                #expect(comments.map(\.author) == ["maestro"])
                #expect(comments.map(\.issueId) == [issue.id ?? -1])
                let unknown = await storeError { try await tracker.addComment("x", issueId: "abc", author: "maestro") }
                #expect(unknown == .issueNotFound("abc"))
            }
        }
    }
}
