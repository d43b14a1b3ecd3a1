import Adapters
import Foundation
import GRDB
import Runtime
import RuntimeTesting
import StateMachine
import Testing

extension KanbanTests {
    /// Labels: normalization and required labels.
    @Suite struct Labels {
        @Test func labelsAreNormalizedOnCreate() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("a", labels: [" Bug ", "bug", "", "  ", "UI", "BUG", "ui "])
                #expect(issue.labels == ["bug", "ui"])
                #expect(try await board.issue("MAE-1").labels == ["bug", "ui"])
            }
        }

        @Test func labelsAreNormalizedOnUpdate() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a", labels: ["bug", "ui"])
                var changes = IssueChanges()
                changes.addLabels = [" Backend", "BUG", " "]
                changes.removeLabels = [" UI "]
                let updated = try await board.update("mae-1", changes)
                #expect(updated.labels == ["bug", "backend"])
                #expect(try await board.issue("MAE-1").labels == ["bug", "backend"])
                let change = try #require(try await board.changes().last)
                #expect(ChangeRow(change) == ChangeRow(.issueUpdated, "MAE", "MAE-1"))
                #expect(change.details == ["fields": "labels"])
            }
        }

        @Test func requiredLabelsMakeAnIssueUnroutableUntilAdded() async throws {
            let workflow = kanbanWorkflow("tracker:", "  kind: kanban", "  required_labels: [Agent]")
            try await withBoard(workflow) { board in
                #expect(board.rules.requiredLabels == ["agent"])
                try await board.project(key: "MAE")
                let without = try await board.add("no label")
                #expect(without.lifecycle.state == .released)
                #expect(try await board.standing("MAE-1") == .unroutable)
                let with = try await board.add("labelled", labels: ["AGENT", "ui"])
                #expect(with.lifecycle.state == .queued)
                #expect(with.lifecycle.version == 0)

                var add = IssueChanges()
                add.addLabels = [" Agent "]
                let queued = try await board.update("MAE-1", add)
                #expect(queued.labels == ["agent"])
                #expect(queued.lifecycle.state == .queued)
                #expect(try await board.standing("MAE-1") == .fitsPhase)

                var remove = IssueChanges()
                remove.removeLabels = ["agent"]
                #expect(try await board.update("MAE-2", remove).lifecycle.state == .released)

                #expect(
                    try await board.log() == [
                        LogRow("MAE-1", "tracker_updated", "queued", "released"),
                        LogRow("MAE-1", "tracker_updated", "released", "queued"),
                        LogRow("MAE-2", "tracker_updated", "queued", "released"),
                    ])
            }
        }
    }

    /// Blockers: an unfinished blocker keeps an issue from being dispatched.
    @Suite struct Blockers {
        @Test func anUnfinishedBlockerReleasesTheIssueAndFinishingItRequeuesIt() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("blocker")
                let blocked = try await board.add("dependent", blockedBy: ["mae-1"])
                #expect(blocked.lifecycle.state == .released)
                #expect(blocked.blockedBy == [BlockerView(id: "MAE-1", identifier: "MAE-1", state: "todo")])
                // The reconciler judges routability: an unfinished blocker makes the issue unroutable.
                #expect(try await board.standing("MAE-2") == .unroutable)

                let finished = try await board.move("MAE-1", to: "done")
                #expect(finished.lifecycle.state == .closed)
                let dependent = try await board.issue("MAE-2")
                #expect(dependent.lifecycle.state == .queued)
                #expect(dependent.lifecycle.version == 2)
                #expect(try await board.standing("MAE-2") == .fitsPhase)
                #expect(dependent.blockedBy == [BlockerView(id: "MAE-1", identifier: "MAE-1", state: "done")])

                #expect(
                    try await board.log() == [
                        LogRow("MAE-2", "tracker_updated", "queued", "released"),
                        LogRow("MAE-1", "tracker_updated", "queued", "closed"),
                        LogRow("MAE-2", "tracker_updated", "released", "queued"),
                    ])
                let history = try await board.detail("MAE-2").transitions
                #expect(history.map(\.version) == [1, 2])
                #expect(history.last?.details["standing"] == "fits_phase")
                #expect(history.last?.details["trackerState"] == "todo")
                // One move of the blocker: one change row, and both issues' transitions in its transaction.
                let entries = try await board.api.log(after: 0)
                let move = try #require(entries.firstIndex { if case .change(let view) = $0 { view.kind == .issueMoved } else { false } })
                #expect(
                    entries[move...].map { entry -> String in
                        switch entry {
                        case .change(let view): "\(view.kind.rawValue) \(view.issue ?? "-")"
                        case .transition(let view): "\(view.event.rawValue) \(view.issue)"
                        }
                    } == ["issue_moved MAE-1", "tracker_updated MAE-1", "tracker_updated MAE-2"])
            }
        }

        @Test func reopeningABlockerReleasesItsDependentAgain() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("blocker", state: "cancelled")
                #expect(try await board.add("dependent", blockedBy: ["MAE-1"]).lifecycle.state == .queued)
                _ = try await board.move("MAE-1", to: "todo")
                #expect(try await board.issue("MAE-1").lifecycle.state == .queued)
                #expect(try await board.issue("MAE-2").lifecycle.state == .released)
            }
        }

        @Test func addingAndRemovingBlockersReevaluatesTheIssue() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("blocker")
                try await board.add("dependent")
                var add = IssueChanges()
                add.addBlockers = ["MAE-1"]
                #expect(try await board.update("MAE-2", add).lifecycle.state == .released)
                #expect(try await board.changes().last?.details == ["fields": "blockers"])
                // Adding the same blocker twice keeps one edge, and is no change at all.
                let before = try await board.lastSeq()
                #expect(try await board.update("MAE-2", add).lifecycle.state == .released)
                #expect(try await board.lastSeq() == before)
                #expect(try await board.issue("MAE-2").blockedBy.map(\.identifier) == ["MAE-1"])
                var remove = IssueChanges()
                remove.removeBlockers = ["mae-1"]
                #expect(try await board.update("MAE-2", remove).lifecycle.state == .queued)
                #expect(try await board.issue("MAE-2").blockedBy.isEmpty)
                // Removing a blocker that is not one is refused.
                #expect(
                    await apiError { _ = try await board.update("MAE-2", remove) }
                        == APIError(.invalidValue, "MAE-1 does not block MAE-2"))
            }
        }

        @Test func selfBlockIsACycle() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                var changes = IssueChanges()
                changes.addBlockers = ["MAE-1"]
                let error = await apiError { _ = try await board.update("MAE-1", changes) }
                #expect(error == APIError(.blockerCycle, "blockers would form a cycle: MAE-1 -> MAE-1"))
                #expect(error?.code == "blocker_cycle")
                // A new issue naming its own future identifier blocks itself too, and is not created.
                let onCreate = await apiError { try await board.add("b", blockedBy: ["MAE-2"]) }
                #expect(onCreate == APIError(.blockerCycle, "blockers would form a cycle: MAE-2 -> MAE-2"))
                #expect(try await board.issues().map(\.identifier) == ["MAE-1"])
                #expect(try await board.changeRows().map(\.kind) == [.projectCreated, .issueCreated])
            }
        }

        @Test func longerCyclesAreRefusedWithTheirPath() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                try await board.add("b")
                try await board.add("c", blockedBy: ["MAE-2"])  // MAE-3 blocked by MAE-2
                var aOnC = IssueChanges()
                aOnC.addBlockers = ["MAE-3"]
                _ = try await board.update("MAE-1", aOnC)  // MAE-1 blocked by MAE-3
                var bOnA = IssueChanges()
                bOnA.addBlockers = ["MAE-1"]
                let three = await apiError { _ = try await board.update("MAE-2", bOnA) }
                #expect(three == APIError(.blockerCycle, "blockers would form a cycle: MAE-2 -> MAE-1 -> MAE-3 -> MAE-2"))

                var cOnA = IssueChanges()
                cOnA.addBlockers = ["MAE-1"]
                let two = await apiError { _ = try await board.update("MAE-3", cOnA) }
                #expect(two == APIError(.blockerCycle, "blockers would form a cycle: MAE-3 -> MAE-1 -> MAE-3"))

                // The refused updates changed nothing.
                #expect(try await board.issue("MAE-2").blockedBy.isEmpty)
                #expect(try await board.issue("MAE-3").blockedBy.map(\.identifier) == ["MAE-2"])
                #expect(try await board.issue("MAE-2").lifecycle.state == .queued)
            }
        }

        @Test func aRefusedUpdateLeavesTheOtherFieldsAlone() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                let before = try await board.lastSeq()
                var changes = IssueChanges()
                changes.title = "renamed"
                changes.addLabels = ["x"]
                changes.addBlockers = ["MAE-1"]
                #expect(await apiError { _ = try await board.update("MAE-1", changes) }?.code == "blocker_cycle")
                let issue = try await board.issue("MAE-1")
                #expect(issue.title == "a")
                #expect(issue.labels == [])
                #expect(try await board.lastSeq() == before)
            }
        }

        @Test func deletingABlockerReevaluatesItsDependentsAndTheLogKeepsItsRows() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("blocker", state: "backlog")
                let blocker = try await board.rowId("MAE-1")
                try await board.add("dependent", blockedBy: ["MAE-1"])
                try await board.add("other", blockedBy: ["MAE-1"])
                let deleted = try await board.api.deleteIssue("mae-1")
                #expect(deleted.identifier == "MAE-1")
                #expect(try await board.issue("MAE-2").lifecycle.state == .queued)
                #expect(try await board.issue("MAE-3").lifecycle.state == .queued)
                #expect(try await board.issue("MAE-2").blockedBy.isEmpty)
                #expect(
                    try await board.log() == [
                        LogRow("MAE-1", "tracker_updated", "queued", "released"),
                        LogRow("MAE-2", "tracker_updated", "queued", "released"),
                        LogRow("MAE-3", "tracker_updated", "queued", "released"),
                        LogRow("MAE-2", "tracker_updated", "released", "queued"),
                        LogRow("MAE-3", "tracker_updated", "released", "queued"),
                    ])
                let kept = try await board.store.read { db in
                    try TransitionRecord.history(of: blocker).fetchAll(db)
                }
                #expect(kept.map(\.identifier) == ["MAE-1"])
                let change = try #require(try await board.changes().last)
                #expect(ChangeRow(change) == ChangeRow(.issueDeleted, "MAE", "MAE-1"))
                #expect(change.details == ["dependents": "MAE-2 MAE-3"])
                #expect(await apiError { _ = try await board.issue("MAE-1") } == APIError(.issueNotFound, "no issue 'MAE-1'"))
            }
        }

        @Test func deletingABlockersProjectReevaluatesDependentsInOtherProjects() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.project(key: "OPS")
                try await board.add("blocker")
                #expect(try await board.add("dependent", in: "OPS", blockedBy: ["MAE-1"]).lifecycle.state == .released)
                _ = try await board.api.deleteProject("MAE")
                #expect(try await board.issue("OPS-1").blockedBy.isEmpty)
                #expect(try await board.issue("OPS-1").lifecycle.state == .queued)
                let change = try #require(try await board.changes().last)
                #expect(ChangeRow(change) == ChangeRow(.projectDeleted, "MAE"))
                #expect(change.details == ["issues": "1", "dependents": "OPS-1"])
            }
        }

        @Test func unknownBlockersAreReported() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                var changes = IssueChanges()
                changes.addBlockers = ["MAE-7"]
                #expect(await apiError { _ = try await board.update("MAE-1", changes) } == APIError(.issueNotFound, "no issue 'MAE-7'"))
                var removal = IssueChanges()
                removal.removeBlockers = ["OPS-1"]
                #expect(await apiError { _ = try await board.update("MAE-1", removal) } == APIError(.issueNotFound, "no issue 'OPS-1'"))
            }
        }
    }

    /// Tracker changes feed the lifecycle in the same transaction on the daemon's board.
    @Suite struct Lifecycle {
        @Test func movesFeedTheLifecycle() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let created = try await board.add("a")
                #expect(created.lifecycle.state == .queued)
                #expect(try await board.log().isEmpty)

                let backlog = try await board.move("MAE-1", to: "backlog")
                #expect(backlog.lifecycle.state == .released)
                #expect(backlog.lifecycle.version == 1)
                let todo = try await board.move("MAE-1", to: "Todo")
                #expect(todo.lifecycle.state == .queued)
                #expect(todo.state == "todo")
                let done = try await board.move("MAE-1", to: "DONE")
                #expect(done.lifecycle.state == .closed)
                #expect(done.lifecycle.version == 3)

                let history = try await board.detail("MAE-1").transitions
                #expect(
                    history.map(LogRow.init) == [
                        LogRow("MAE-1", "tracker_updated", "queued", "released"),
                        LogRow("MAE-1", "tracker_updated", "released", "queued"),
                        LogRow("MAE-1", "tracker_updated", "queued", "closed"),
                    ])
                #expect(history.map(\.details["trackerState"]) == ["backlog", "todo", "done"])
                #expect(history.map(\.details["standing"]) == ["inactive", "fits_phase", "terminal"])
                #expect(history.map(\.details["source"]) == ["tracker", "tracker", "tracker"])
                #expect(history.last?.effects == ["remove_workspace"])
                let seqs = history.map(\.seq)
                #expect(seqs == seqs.sorted() && Set(seqs).count == 3)

                // Each move appended its change row, marked as reconciled by the writer.
                let moves = try await board.changes().filter { $0.kind == .issueMoved }
                #expect(moves.map(\.issue) == ["MAE-1", "MAE-1", "MAE-1"])
                #expect(moves.map { $0.details["to"] } == ["backlog", "todo", "done"])
                let reconciled = try await board.store.read { db in try BoardChangeRecord.fetchAll(db).map(\.reconciled) }
                #expect(reconciled.allSatisfy { $0 })
                // A change row and the transition it caused share one sequence: the move comes first.
                #expect(zip(moves, history).allSatisfy { $0.seq < $1.seq })
            }
        }

        @Test func aClosedIssueReopensOnlyInAnActiveState() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a", state: "cancelled")
                #expect(try await board.issue("MAE-1").lifecycle.state == .closed)
                #expect(try await board.move("MAE-1", to: "backlog").lifecycle.state == .closed)
                let reopened = try await board.move("MAE-1", to: "in_progress")
                #expect(reopened.lifecycle.state == .queued)
                #expect(reopened.lifecycle.phase == .implementation)
                #expect(
                    try await board.log() == [
                        LogRow("MAE-1", "tracker_updated", "queued", "closed"),
                        LogRow("MAE-1", "tracker_updated", "closed", "queued"),
                    ])
            }
        }

        @Test func aMoveThatChangesNothingWritesNoLogRow() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                let moved = try await board.move("MAE-1", to: "in_progress")
                #expect(moved.state == "in_progress")
                #expect(moved.lifecycle.state == .queued)
                #expect(moved.lifecycle.version == 0)
                let before = try await board.lastSeq()
                let same = try await board.move("MAE-1", to: "in_progress")
                #expect(same.lifecycle.version == 0)
                // Not even a change row: the tracker fact did not change.
                #expect(try await board.lastSeq() == before)
                var changes = IssueChanges()
                changes.title = "renamed"
                changes.priority = 2
                changes.addLabels = ["bug"]
                let updated = try await board.update("MAE-1", changes)
                #expect(updated.lifecycle.version == 0)
                #expect(try await board.log().isEmpty)
                #expect(
                    try await board.changeRows() == [
                        ChangeRow(.projectCreated, "MAE"), ChangeRow(.issueCreated, "MAE", "MAE-1"), ChangeRow(.issueMoved, "MAE", "MAE-1"),
                        ChangeRow(.issueUpdated, "MAE", "MAE-1"),
                    ])
                #expect(try await board.changes().last?.details == ["fields": "title priority labels"])
            }
        }

        /// Times are kept to the millisecond. A fact write and the transition it causes in the same
        /// transaction must not make an issue look updated before it was created.
        @Test func anIssueReleasedAtCreationIsNotUpdatedBeforeItWasCreated() async throws {
            // 0.8 ms past a millisecond: GRDB stores the new row's times rounded to the nearest
            // millisecond, the transition entry point stores `updatedAt` rounded down.
            let clock = TestClock(now: Date(timeIntervalSince1970: 1_800_000_000.0008))
            try await withBoard(clock: clock) { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("a", state: "backlog")
                #expect(issue.lifecycle.state == .released)
                #expect(
                    issue.createdAt <= issue.updatedAt,
                    "created \(issue.createdAt.timeIntervalSince1970), updated \(issue.updatedAt.timeIntervalSince1970)")
            }
        }

        @Test func theReviewStateMovesTheIssueIntoTheReviewPhase() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                // A human review (no review prompt): the issue waits in `review` for a person.
                let review = try await board.move("MAE-1", to: "human_review")
                #expect(review.lifecycle.state == .review)
                #expect(review.lifecycle.phase == .review)
                let back = try await board.move("MAE-1", to: "todo")
                #expect(back.lifecycle.state == .queued)
                #expect(back.lifecycle.phase == .implementation)
                #expect(
                    try await board.log() == [
                        LogRow("MAE-1", "tracker_updated", "queued", "review"),
                        LogRow("MAE-1", "tracker_updated", "review", "queued"),
                    ])
            }
        }

        @Test func issueFieldsRoundTripAndAreValidated() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let issue = try await board.api.createIssue(
                    in: "MAE", NewIssue(title: "  Fix the thing \n", description: "details", priority: 2))
                #expect(issue.title == "Fix the thing")
                #expect(issue.description == "details")
                #expect(issue.priority == 2)
                #expect(await apiError { try await board.add("   ") } == APIError(.invalidValue, "an issue needs a title"))
                #expect(
                    await apiError { try await board.add("x", priority: 5) }
                        == APIError(.invalidValue, "priority must be 1 (urgent) to 4 (low), got 5"))
                #expect(await apiError { try await board.add("x", priority: 0) }?.code == "invalid_value")

                var clear = IssueChanges()
                clear.clearPriority = true
                clear.description = "new"
                let cleared = try await board.update("MAE-1", clear)
                #expect(cleared.priority == nil)
                #expect(cleared.description == "new")
                #expect(cleared.title == "Fix the thing")

                for title in ["", "  ", "\n", " \t\n "] {
                    var blank = IssueChanges()
                    blank.title = title
                    let error = await apiError { _ = try await board.update("MAE-1", blank) }
                    #expect(error == APIError(.invalidValue, "an issue needs a title"), "title \(title.debugDescription)")
                }
                var bad = IssueChanges()
                bad.priority = -1
                #expect(await apiError { _ = try await board.update("MAE-1", bad) }?.code == "invalid_value")
                #expect(try await board.issue("MAE-1").title == "Fix the thing")
                #expect(await apiError { _ = try await board.update("MAE-9", IssueChanges()) } == APIError(.issueNotFound, "no issue 'MAE-9'"))
                #expect(
                    await apiError { _ = try await board.update("MAE-1", IssueChanges()) }
                        == APIError(.invalidValue, "nothing to change: give a field, a label or a blocker"))
            }
        }

        @Test func issuesListInDispatchOrderAndPage() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.project(key: "OPS")
                try await board.add("none")
                try await board.add("low", priority: 4)
                try await board.add("urgent", priority: 1)
                try await board.add("urgent too", in: "OPS", priority: 1)
                // Equal priorities: the older first (and, within one millisecond, the smaller identifier).
                #expect(try await board.issues().map(\.identifier) == ["MAE-3", "OPS-1", "MAE-2", "MAE-1"])
                #expect(try await board.issues(project: "MAE").map(\.identifier) == ["MAE-3", "MAE-2", "MAE-1"])
                // Pages follow the same order; the last page has no cursor.
                let first = try await board.api.issues(IssueQuery(limit: 3))
                #expect(first.items.map(\.identifier) == ["MAE-3", "OPS-1", "MAE-2"])
                let cursor = try #require(first.nextCursor)
                let second = try await board.api.issues(IssueQuery(limit: 3, cursor: cursor))
                #expect(second.items.map(\.identifier) == ["MAE-1"])
                #expect(second.nextCursor == nil)
                #expect(await apiError { _ = try await board.api.issues(IssueQuery(limit: 0)) }?.code == "invalid_value")
                #expect(await apiError { _ = try await board.api.issues(IssueQuery(cursor: "nonsense")) }?.code == "invalid_value")
            }
        }

        @Test func commentsAreKeptInOrder() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                let first = try await board.api.comment(on: "mae-1", body: "first", author: "ana")
                #expect(first.author == "ana")
                #expect(first.issue == "MAE-1")
                _ = try await board.api.comment(on: "MAE-1", body: "second\nline", author: "agent")
                let comments = try await board.detail("MAE-1").comments
                #expect(comments.map(\.body) == ["first", "second\nline"])
                #expect(comments.map(\.author) == ["ana", "agent"])
                #expect(try await board.api.comments("MAE-1") == comments)
                #expect(
                    await apiError { _ = try await board.api.comment(on: "MAE-1", body: " \n ", author: "x") }
                        == APIError(.invalidValue, "a comment needs a body"))
                #expect(
                    await apiError { _ = try await board.api.comment(on: "MAE-2", body: "x", author: "x") }
                        == APIError(.issueNotFound, "no issue 'MAE-2'"))
                let rows = try await board.changes().filter { $0.kind == .commentAdded }
                #expect(rows.map(\.issue) == ["MAE-1", "MAE-1"])
                #expect(rows.map { $0.details["author"] } == ["ana", "agent"])
                #expect(rows.first?.details["comment_id"] == String(first.id))
                // A comment changes no tracker fact the lifecycle reads.
                #expect(try await board.log().isEmpty)
            }
        }
    }
}
