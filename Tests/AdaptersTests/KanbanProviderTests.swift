import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

extension KanbanTests {
    /// The board behind the Runtime API's `BoardProvider` seam (what the `Tracker` protocol was), and
    /// the facts the reconciler judges routability from.
    @Suite struct Provider {
        @Test func theKanbanProviderIsRegisteredByKind() async throws {
            try await withBoard { board in
                #expect(board.provider.kind == "kanban")
                #expect(board.provider.secretEnvironmentNames == [])
                #expect(board.api.providers.kinds == ["kanban"])
                #expect(board.api.providers.secretEnvironmentNames == [])
                #expect(try board.api.providers.provider("kanban").kind == "kanban")
                let unknown = APIError(.unknownProvider, "no tracker 'linear' in this maestro (available: kanban)")
                #expect(throws: unknown) { try board.api.providers.provider("linear") }
                #expect(await apiError { _ = try await board.api.createProject(NewProject(name: "Remote", provider: "linear")) } == unknown)
                // A kanban project lives in maestro's store: it has no external id.
                #expect(
                    await apiError { _ = try await board.api.createProject(NewProject(name: "Remote", externalId: "abc")) }
                        == APIError(.invalidValue, "a kanban project has no external id; it lives in maestro's store"))
                #expect(try await board.api.projects().isEmpty)
                let project = try await board.project(key: "MAE")
                #expect(await board.provider.states(of: project) == board.columns.columns)
            }
        }

        @Test func listsFilterByTrackerStateCaseInsensitivelyAndShowEveryFact() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("blocker", state: "backlog", priority: 3)
                let created = try await board.api.createIssue(
                    in: "MAE",
                    NewIssue(
                        title: "dependent", description: "body", priority: 1, state: "in_progress", labels: ["UI", " ui", "Bug"],
                        blockedBy: ["MAE-1"]))
                try await board.add("later", priority: 2)
                try await board.add("finished", state: "done")

                #expect(try await board.issues(state: "In_Progress").map(\.identifier) == ["MAE-2"])
                #expect(try await board.issues(state: " TODO").map(\.identifier) == ["MAE-3"])
                let first = try #require(try await board.issues(state: "in_progress").first)
                #expect(first == created)
                #expect(first.id == "MAE-2")
                #expect(first.identifier == "MAE-2")
                #expect(first.project == "MAE")
                #expect(first.provider == "kanban")
                #expect(first.title == "dependent")
                #expect(first.description == "body")
                #expect(first.priority == 1)
                #expect(first.state == "in_progress")
                #expect(first.labels == ["ui", "bug"])
                #expect(first.blockedBy == [BlockerView(id: "MAE-1", identifier: "MAE-1", state: "backlog")])
                #expect(first.assignee == nil)
                #expect(first.url == nil)
                #expect(first.branchName == nil)
                #expect(first.visible)

                // What `dispatchable` said, the reconciler's standing says now, and the lifecycle follows.
                #expect(try await board.standing("MAE-2") == .unroutable)
                #expect(first.lifecycle.state == .released)
                #expect(try await board.standing("MAE-3") == .fitsPhase)
                #expect(try await board.issue("MAE-3").lifecycle.state == .queued)
                #expect(try await board.standing("MAE-1") == .inactive)
                #expect(try await board.standing("MAE-4") == .terminal)

                let terminal = try await board.issues(state: "Done")
                #expect(terminal.map(\.identifier) == ["MAE-4"])
                #expect(terminal.map(\.state) == ["done"])
                #expect(try await board.issues(state: "cancelled").isEmpty)

                // The other filters: lifecycle, label, text; each in dispatch order.
                let query = { (query: IssueQuery) async throws -> [String] in try await board.api.issues(query).items.map(\.identifier) }
                #expect(try await query(IssueQuery(lifecycle: .released)) == ["MAE-2", "MAE-1"])
                #expect(try await query(IssueQuery(lifecycle: .closed)) == ["MAE-4"])
                #expect(try await query(IssueQuery(label: " BUG")) == ["MAE-2"])
                #expect(try await query(IssueQuery(search: "FIN")) == ["MAE-4"])
                #expect(try await query(IssueQuery(search: "mae-3")) == ["MAE-3"])
                // LIKE wildcards in the text are literal.
                #expect(try await query(IssueQuery(search: "_")) == [])
                #expect(try await query(IssueQuery(search: "%")) == [])
            }
        }

        @Test func unknownIssuesAreReported() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                try await board.add("b")
                #expect(await apiError { _ = try await board.issue("MAE-9") } == APIError(.issueNotFound, "no issue 'MAE-9'"))
                #expect(await apiError { _ = try await board.issue("999") } == APIError(.issueNotFound, "no issue '999'"))
                _ = try await board.api.deleteIssue("MAE-1")
                #expect(await apiError { _ = try await board.issue("MAE-1") } == APIError(.issueNotFound, "no issue 'MAE-1'"))
                #expect(try await board.issue("mae-2").identifier == "MAE-2")
            }
        }

        @Test func aWriteBackMovesOnlyAnIssueStillInTheExpectedState() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("a")
                let moved = try await board.provider.moveIssue(issue, to: "In_Progress", ifCurrently: nil)
                #expect(moved.state == "in_progress")
                // A write-back expecting a state the issue has left changes nothing, not even the change log.
                let before = try await board.lastSeq()
                let kept = try await board.provider.moveIssue(moved, to: "backlog", ifCurrently: "todo")
                #expect(kept.state == "in_progress")
                #expect(kept.lifecycle == moved.lifecycle)
                #expect(try await board.lastSeq() == before)
                let done = try await board.provider.moveIssue(moved, to: "done", ifCurrently: "IN_PROGRESS")
                #expect(done.state == "done")
                #expect(done.lifecycle.state == .closed)
                #expect(try await board.log() == [LogRow("MAE-1", "tracker_updated", "queued", "closed")])
                #expect(try await board.changeRows(after: before) == [ChangeRow(.issueMoved, "MAE", "MAE-1")])

                let invalid = await apiError { _ = try await board.provider.moveIssue(done, to: "shipped", ifCurrently: nil) }
                #expect(invalid?.code == "invalid_state")
                _ = try await board.api.deleteIssue("MAE-1")
                let gone = await apiError { _ = try await board.provider.moveIssue(done, to: "todo", ifCurrently: nil) }
                #expect(gone == APIError(.issueNotFound, "no issue 'MAE-1'"))
            }
        }

        @Test func commentsAreStoredWithTheirChangeRow() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("a")
                let comment = try await board.provider.comment(on: issue, body: "Working on it", author: "maestro")
                #expect(comment.issue == "MAE-1")
                #expect(comment.body == "Working on it")
                #expect(comment.author == "maestro")
                #expect(try await board.detail("MAE-1").comments == [comment])
                let change = try #require(try await board.changes().last)
                #expect(ChangeRow(change) == ChangeRow(.commentAdded, "MAE", "MAE-1"))
                #expect(change.details == ["comment_id": String(comment.id), "author": "maestro"])
                #expect(
                    await apiError { _ = try await board.provider.comment(on: issue, body: "x", author: " ") }
                        == APIError(.invalidValue, "a comment needs an author"))
            }
        }

        @Test func refreshHasNothingToDo() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("a")
                let before = try await board.lastSeq()
                try await board.provider.refresh([IssueRef(identifier: "MAE-1", externalId: issue.id, project: "MAE")])
                #expect(try await board.lastSeq() == before)
                #expect(try await board.issue("MAE-1") == issue)
            }
        }
    }

    /// A board without rules (a CLI process) writes facts and change rows only; the daemon's
    /// reconciler applies their lifecycle consequences from the change log.
    @Suite struct Reconciliation {
        static let labelled = kanbanWorkflow("tracker:", "  kind: kanban", "  required_labels: [agent]")

        func catchUp(_ board: KanbanHarness) async throws -> Int {
            try await Reconciler.catchUp(store: board.store, rules: board.rules, now: Date())
        }

        @Test func aCLIWriteChangesFactsAndLeavesTheLifecycleToTheDaemon() async throws {
            try await withBoard(Self.labelled) { daemon in
                let cli = daemon.cliProcess()
                try await cli.project(key: "MAE")
                let blocker = try await cli.add("blocker", labels: ["agent"])
                let dependent = try await cli.add("dependent", labels: ["agent"], blockedBy: ["MAE-1"])
                let unlabelled = try await cli.add("unlabelled")
                // The facts changed; the lifecycle did not.
                #expect([blocker, dependent, unlabelled].map(\.lifecycle.state) == [.queued, .queued, .queued])
                #expect(dependent.blockedBy.map(\.identifier) == ["MAE-1"])
                #expect(try await daemon.log().isEmpty)
                let rows = try await daemon.store.read { db in try BoardChangeRecord.order(Column("seq")).fetchAll(db) }
                #expect(rows.map(\.kind) == [.projectCreated, .issueCreated, .issueCreated, .issueCreated])
                #expect(rows.allSatisfy { !$0.reconciled })

                // The daemon's next tick judges them with its rules.
                #expect(try await catchUp(daemon) == 2)
                #expect(try await daemon.issue("MAE-1").lifecycle.state == .queued)
                #expect(try await daemon.issue("MAE-2").lifecycle.state == .released)
                #expect(try await daemon.issue("MAE-3").lifecycle.state == .released)
                #expect(try await daemon.detail("MAE-2").transitions.last?.details["source"] == "board_change")

                // A move: the fact at once, the lifecycle of the issue and of the one it blocked on catch-up.
                let moved = try await cli.move("MAE-1", to: "done")
                #expect(moved.state == "done")
                #expect(moved.lifecycle.state == .queued)
                #expect(try await catchUp(daemon) == 2)
                #expect(try await daemon.issue("MAE-1").lifecycle.state == .closed)
                #expect(try await daemon.issue("MAE-2").lifecycle.state == .queued)

                // A label edit likewise.
                var label = IssueChanges()
                label.addLabels = ["agent"]
                #expect(try await cli.update("MAE-3", label).lifecycle.state == .released)
                #expect(try await catchUp(daemon) == 1)
                #expect(try await daemon.issue("MAE-3").lifecycle.state == .queued)

                // Nothing is left: the durable cursor is past the last change.
                #expect(try await catchUp(daemon) == 0)
                let cursor = try await daemon.store.read { db in try AdapterCursorRecord.fetchOne(db, key: Reconciler.cursorName)?.seq }
                #expect(cursor == (try await daemon.changes().last?.seq))
            }
        }

        @Test func deletesByAnotherProcessReevaluateTheirDependentsOnCatchUp() async throws {
            try await withBoard { daemon in
                let cli = daemon.cliProcess()
                try await daemon.project(key: "MAE")
                try await daemon.project(key: "OPS")
                try await daemon.add("blocker")
                try await daemon.add("other blocker", in: "OPS")
                #expect(try await daemon.add("dependent", blockedBy: ["MAE-1"]).lifecycle.state == .released)
                #expect(try await daemon.add("cross", blockedBy: ["OPS-1"]).lifecycle.state == .released)
                #expect(try await catchUp(daemon) == 0, "the daemon's own writes were reconciled as they committed")

                // The deleted rows are gone; the change rows name the dependents to re-judge.
                _ = try await cli.api.deleteIssue("MAE-1")
                _ = try await cli.api.deleteProject("OPS")
                #expect(try await daemon.issue("MAE-2").lifecycle.state == .released)
                #expect(try await daemon.issue("MAE-3").lifecycle.state == .released)
                #expect(try await catchUp(daemon) == 2)
                #expect(try await daemon.issue("MAE-2").lifecycle.state == .queued)
                #expect(try await daemon.issue("MAE-3").lifecycle.state == .queued)
            }
        }

        @Test func newRulesReJudgeEveryIssue() async throws {
            try await withBoard { daemon in
                try await daemon.project(key: "MAE")
                try await daemon.add("labelled", labels: ["agent"])
                try await daemon.add("unlabelled")
                // A reload that requires a label releases the issue without it, and only that one.
                let stricter = LifecycleRules(workflow: try parsedWorkflow(Self.labelled))
                #expect(try await Reconciler.reconcileAll(store: daemon.store, rules: stricter, now: Date()) == 1)
                #expect(try await daemon.issue("MAE-1").lifecycle.state == .queued)
                #expect(try await daemon.issue("MAE-2").lifecycle.state == .released)
                #expect(try await daemon.detail("MAE-2").transitions.last?.details["source"] == "rules")
                #expect(try await Reconciler.reconcileAll(store: daemon.store, rules: stricter, now: Date()) == 0)
            }
        }
    }
}
