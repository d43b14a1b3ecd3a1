import Adapters
import Foundation
import GRDB
import Runtime
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
            }
        }

        @Test func requiredLabelsMakeAnIssueUnroutableUntilAdded() async throws {
            let workflow = kanbanWorkflow("tracker:", "  kind: kanban", "  required_labels: [Agent]")
            try await withBoard(workflow) { board in
                #expect(board.rules.requiredLabels == ["agent"])
                try await board.project(key: "MAE")
                let without = try await board.add("no label")
                #expect(without.lifecycleState == .released)
                let with = try await board.add("labelled", labels: ["AGENT", "ui"])
                #expect(with.lifecycleState == .queued)
                #expect(with.version == 0)

                var add = IssueChanges()
                add.addLabels = [" Agent "]
                let queued = try await board.update("MAE-1", add)
                #expect(queued.labels == ["agent"])
                #expect(queued.lifecycleState == .queued)

                var remove = IssueChanges()
                remove.removeLabels = ["agent"]
                #expect(try await board.update("MAE-2", remove).lifecycleState == .released)

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
                #expect(blocked.lifecycleState == .released)
                #expect(try await board.detail("MAE-2").blockers.map(\.identifier) == ["MAE-1"])
                let tracker = KanbanTracker(board: board)
                let before = try await tracker.fetchIssues(ids: [String(blocked.id ?? 0)])
                #expect(before.map(\.dispatchable) == [false])

                let finished = try await board.move("MAE-1", to: "done")
                #expect(finished.lifecycleState == .closed)
                let dependent = try await board.issue("MAE-2")
                #expect(dependent.lifecycleState == .queued)
                #expect(dependent.version == 2)
                let after = try await tracker.fetchIssues(ids: [String(blocked.id ?? 0)])
                #expect(after.map(\.dispatchable) == [true])
                #expect(after.first?.blockedBy == [.init(id: String(finished.id ?? 0), identifier: "MAE-1", state: "done")])

                #expect(
                    try await board.log() == [
                        LogRow("MAE-2", "tracker_updated", "queued", "released"),
                        LogRow("MAE-1", "tracker_updated", "queued", "closed"),
                        LogRow("MAE-2", "tracker_updated", "released", "queued"),
                    ])
                let history = try await board.detail("MAE-2").history
                #expect(history.map(\.version) == [1, 2])
                #expect(history.last?.payloadObject["standing"] == "fits_phase")
                #expect(history.last?.payloadObject["trackerState"] == "todo")
            }
        }

        @Test func reopeningABlockerReleasesItsDependentAgain() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("blocker", state: "cancelled")
                #expect(try await board.add("dependent", blockedBy: ["MAE-1"]).lifecycleState == .queued)
                _ = try await board.move("MAE-1", to: "todo")
                #expect(try await board.issue("MAE-1").lifecycleState == .queued)
                #expect(try await board.issue("MAE-2").lifecycleState == .released)
            }
        }

        @Test func addingAndRemovingBlockersReevaluatesTheIssue() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("blocker")
                try await board.add("dependent")
                var add = IssueChanges()
                add.addBlockers = ["MAE-1"]
                #expect(try await board.update("MAE-2", add).lifecycleState == .released)
                // Adding the same blocker twice keeps one edge.
                #expect(try await board.update("MAE-2", add).lifecycleState == .released)
                #expect(try await board.detail("MAE-2").blockers.map(\.identifier) == ["MAE-1"])
                var remove = IssueChanges()
                remove.removeBlockers = ["mae-1"]
                #expect(try await board.update("MAE-2", remove).lifecycleState == .queued)
                #expect(try await board.detail("MAE-2").blockers.isEmpty)
            }
        }

        @Test func selfBlockIsACycle() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                var changes = IssueChanges()
                changes.addBlockers = ["MAE-1"]
                let error = await storeError { _ = try await board.update("MAE-1", changes) }
                #expect(error == .blockerCycle(["MAE-1", "MAE-1"]))
                #expect(error?.code == "blocker_cycle")
                #expect(error?.description == "blockers would form a cycle: MAE-1 -> MAE-1")
                // A new issue naming its own future identifier blocks itself too, and is not created.
                let onCreate = await storeError { try await board.add("b", blockedBy: ["MAE-2"]) }
                #expect(onCreate == .blockerCycle(["MAE-2", "MAE-2"]))
                #expect(try await board.issues().map(\.identifier) == ["MAE-1"])
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
                let three = await storeError { _ = try await board.update("MAE-2", bOnA) }
                #expect(three == .blockerCycle(["MAE-2", "MAE-1", "MAE-3", "MAE-2"]))

                var cOnA = IssueChanges()
                cOnA.addBlockers = ["MAE-1"]
                let two = await storeError { _ = try await board.update("MAE-3", cOnA) }
                #expect(two == .blockerCycle(["MAE-3", "MAE-1", "MAE-3"]))

                // The refused updates changed nothing.
                #expect(try await board.detail("MAE-2").blockers.isEmpty)
                #expect(try await board.detail("MAE-3").blockers.map(\.identifier) == ["MAE-2"])
                #expect(try await board.issue("MAE-2").lifecycleState == .queued)
            }
        }

        @Test func aRefusedUpdateLeavesTheOtherFieldsAlone() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                var changes = IssueChanges()
                changes.title = "renamed"
                changes.addLabels = ["x"]
                changes.addBlockers = ["MAE-1"]
                #expect(await storeError { _ = try await board.update("MAE-1", changes) }?.code == "blocker_cycle")
                let issue = try await board.issue("MAE-1")
                #expect(issue.title == "a")
                #expect(issue.labels == [])
            }
        }

        @Test func deletingABlockerReevaluatesItsDependentsAndTheLogKeepsItsRows() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let blocker = try await board.add("blocker", state: "backlog")
                try await board.add("dependent", blockedBy: ["MAE-1"])
                try await board.add("other", blockedBy: ["MAE-1"])
                _ = try await board.deleteIssue("mae-1")
                #expect(try await board.issue("MAE-2").lifecycleState == .queued)
                #expect(try await board.issue("MAE-3").lifecycleState == .queued)
                #expect(try await board.detail("MAE-2").blockers.isEmpty)
                #expect(
                    try await board.log() == [
                        LogRow("MAE-1", "tracker_updated", "queued", "released"),
                        LogRow("MAE-2", "tracker_updated", "queued", "released"),
                        LogRow("MAE-3", "tracker_updated", "queued", "released"),
                        LogRow("MAE-2", "tracker_updated", "released", "queued"),
                        LogRow("MAE-3", "tracker_updated", "released", "queued"),
                    ])
                let kept = try await board.store.read { db in
                    try TransitionRecord.history(of: blocker.id ?? 0).fetchAll(db)
                }
                #expect(kept.map(\.identifier) == ["MAE-1"])
            }
        }

        @Test func deletingABlockersProjectReevaluatesDependentsInOtherProjects() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.project(key: "OPS")
                try await board.add("blocker")
                #expect(try await board.add("dependent", in: "OPS", blockedBy: ["MAE-1"]).lifecycleState == .released)
                _ = try await board.deleteProject("MAE")
                #expect(try await board.detail("OPS-1").blockers.isEmpty)
                #expect(try await board.issue("OPS-1").lifecycleState == .queued)
            }
        }

        @Test func unknownBlockersAreReported() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                var changes = IssueChanges()
                changes.addBlockers = ["MAE-7"]
                #expect(await storeError { _ = try await board.update("MAE-1", changes) } == .issueNotFound("MAE-7"))
                var removal = IssueChanges()
                removal.removeBlockers = ["OPS-1"]
                #expect(await storeError { _ = try await board.update("MAE-1", removal) } == .issueNotFound("OPS-1"))
            }
        }
    }

    /// Tracker changes feed the lifecycle in the same transaction.
    @Suite struct Lifecycle {
        @Test func movesFeedTheLifecycle() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let created = try await board.add("a")
                #expect(created.lifecycleState == .queued)
                #expect(try await board.log().isEmpty)

                let backlog = try await board.move("MAE-1", to: "backlog")
                #expect(backlog.lifecycleState == .released)
                #expect(backlog.version == 1)
                let todo = try await board.move("MAE-1", to: "Todo")
                #expect(todo.lifecycleState == .queued)
                #expect(todo.trackerState == "todo")
                let done = try await board.move("MAE-1", to: "DONE")
                #expect(done.lifecycleState == .closed)
                #expect(done.version == 3)

                let history = try await board.detail("MAE-1").history
                #expect(
                    history.map(LogRow.init) == [
                        LogRow("MAE-1", "tracker_updated", "queued", "released"),
                        LogRow("MAE-1", "tracker_updated", "released", "queued"),
                        LogRow("MAE-1", "tracker_updated", "queued", "closed"),
                    ])
                #expect(history.map(\.payloadObject["trackerState"]) == ["backlog", "todo", "done"])
                #expect(history.map(\.payloadObject["standing"]) == ["inactive", "fits_phase", "terminal"])
                #expect(history.last?.payloadObject["effects"] == "remove_workspace")
                let seqs = history.compactMap(\.seq)
                #expect(seqs == seqs.sorted() && Set(seqs).count == 3)
            }
        }

        @Test func aClosedIssueReopensOnlyInAnActiveState() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a", state: "cancelled")
                #expect(try await board.issue("MAE-1").lifecycleState == .closed)
                #expect(try await board.move("MAE-1", to: "backlog").lifecycleState == .closed)
                let reopened = try await board.move("MAE-1", to: "in_progress")
                #expect(reopened.lifecycleState == .queued)
                #expect(reopened.phase == .implementation)
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
                #expect(moved.trackerState == "in_progress")
                #expect(moved.lifecycleState == .queued)
                #expect(moved.version == 0)
                let same = try await board.move("MAE-1", to: "in_progress")
                #expect(same.version == 0)
                var changes = IssueChanges()
                changes.title = "renamed"
                changes.priority = 2
                changes.addLabels = ["bug"]
                let updated = try await board.update("MAE-1", changes)
                #expect(updated.version == 0)
                #expect(try await board.log().isEmpty)
            }
        }

        @Test func theReviewStateMovesTheIssueIntoTheReviewPhase() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                // A human review (no review prompt): the issue waits in `review` for a person.
                let review = try await board.move("MAE-1", to: "human_review")
                #expect(review.lifecycleState == .review)
                #expect(review.phase == .review)
                let back = try await board.move("MAE-1", to: "todo")
                #expect(back.lifecycleState == .queued)
                #expect(back.phase == .implementation)
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
                let issue = try await board.createIssue(
                    in: "MAE", NewIssue(title: "  Fix the thing \n", description: "details", priority: 2))
                #expect(issue.title == "Fix the thing")
                #expect(issue.description == "details")
                #expect(issue.priority == 2)
                #expect(await storeError { try await board.add("   ") } == .invalidValue("an issue needs a title"))
                #expect(
                    await storeError { try await board.add("x", priority: 5) }
                        == .invalidValue("priority must be 1 (urgent) to 4 (low), got 5"))
                #expect(await storeError { try await board.add("x", priority: 0) }?.code == "invalid_value")

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
                    let error = await storeError { _ = try await board.update("MAE-1", blank) }
                    #expect(error == .invalidValue("an issue needs a title"), "title \(title.debugDescription)")
                }
                var bad = IssueChanges()
                bad.priority = -1
                #expect(await storeError { _ = try await board.update("MAE-1", bad) }?.code == "invalid_value")
                #expect(try await board.issue("MAE-1").title == "Fix the thing")
                #expect(await storeError { _ = try await board.update("MAE-9", IssueChanges()) } == .issueNotFound("MAE-9"))
            }
        }

        @Test func issuesListInDispatchOrder() async throws {
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
            }
        }

        @Test func commentsAreKeptInOrder() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                let first = try await board.comment("mae-1", body: "first", author: "ana")
                #expect(first.author == "ana")
                _ = try await board.comment("MAE-1", body: "second\nline", author: "agent")
                let comments = try await board.detail("MAE-1").comments
                #expect(comments.map(\.body) == ["first", "second\nline"])
                #expect(comments.map(\.author) == ["ana", "agent"])
                #expect(
                    await storeError { _ = try await board.comment("MAE-1", body: " \n ", author: "x") }
                        == .invalidValue("a comment needs a body"))
                #expect(await storeError { _ = try await board.comment("MAE-2", body: "x", author: "x") } == .issueNotFound("MAE-2"))
            }
        }
    }
}
