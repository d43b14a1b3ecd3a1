import Adapters
import Foundation
import Runtime
import StateMachine
import Testing
import WorkflowParser

extension KanbanTests {
    /// Columns come from the workflow; states are matched case-insensitively.
    @Suite struct States {
        @Test func defaultColumnsAreTheDocumentedBoard() throws {
            let rules = try kanbanRules(defaultKanbanWorkflow)
            #expect(rules.columns == ["backlog", "todo", "in_progress", "human_review", "done", "cancelled"])
            #expect(rules.initialColumn == "todo")
            #expect(rules.isTerminal("done"))
            #expect(rules.isTerminal(" Cancelled "))
            #expect(!rules.isTerminal("human_review"))
            #expect(!rules.isTerminal("backlog"))
            #expect(rules.requiredLabels == [])
        }

        @Test func customColumnsComeFromTheProviderAndMissingWorkflowStatesAreAppended() throws {
            let rules = try kanbanRules(
                kanbanWorkflow(
                    "tracker:", "  kind: kanban", "  active_states: [Ready, Doing]", "  terminal_states: [Shipped, Dropped]",
                    "  claim_state: Doing", "  review_state: Review", "  done_state: Shipped",
                    "  provider:", "    columns: [Ideas, ready, Shipped]"))
            // The provider's columns first, as spelled there; then active, terminal and mapped states it lacks.
            #expect(rules.columns == ["Ideas", "ready", "Shipped", "Doing", "Dropped", "Review"])
            #expect(rules.initialColumn == "ready")
            #expect(rules.column(named: "READY") == "ready")
            #expect(rules.column(named: " review ") == "Review")
            #expect(rules.column(named: "todo") == nil)
        }

        @Test func defaultMappedStatesAreAddedToCustomColumns() throws {
            let rules = try kanbanRules(
                kanbanWorkflow(
                    "tracker:", "  kind: kanban", "  active_states: [Next]", "  terminal_states: [Gone]",
                    "  provider: {columns: [Later]}"))
            // review_state and done_state default to human_review and done.
            #expect(rules.columns == ["Later", "Next", "Gone", "human_review", "done"])
            #expect(rules.initialColumn == "Next")
        }

        @Test func newIssuesStartInTheFirstActiveState() async throws {
            try await withBoard(
                kanbanWorkflow(
                    "tracker:", "  kind: kanban", "  active_states: [Doing, Ready]", "  terminal_states: [Shipped]",
                    "  provider: {columns: [Backlog, Ready, Doing, Shipped]}")
            ) { board in
                try await board.project(key: "MAE")
                let issue = try await board.add("First")
                // Board order decides, not the order of active_states.
                #expect(issue.trackerState == "Ready")
                #expect(issue.lifecycleState == .queued)
                #expect(issue.version == 0)
            }
        }

        @Test func statesAreMatchedCaseInsensitivelyAndStoredAsTheBoardSpellsThem() async throws {
            try await withBoard(
                kanbanWorkflow(
                    "tracker:", "  kind: kanban", "  active_states: [Ready, Doing]", "  terminal_states: [Shipped]",
                    "  claim_state: Doing", "  review_state: Review", "  done_state: Shipped",
                    "  provider: {columns: [Ideas, Ready, Doing, Review, Shipped]}")
            ) { board in
                try await board.project(key: "MAE")
                let created = try await board.add("One", state: "  IDEAS ")
                #expect(created.trackerState == "Ideas")
                let moved = try await board.move("mae-1", to: "doing")
                #expect(moved.trackerState == "Doing")
                #expect(try await board.issues(state: "DOING").map(\.identifier) == ["MAE-1"])
                #expect(try await board.issues(state: "ready").isEmpty)
            }
        }

        @Test func anInvalidStateListsTheAllowedStates() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let allowed = ["backlog", "todo", "in_progress", "human_review", "done", "cancelled"]
                let onCreate = await storeError { try await board.add("One", state: "doing") }
                #expect(onCreate == .invalidState(state: "doing", allowed: allowed))
                #expect(onCreate?.code == "invalid_state")
                #expect(
                    onCreate?.description
                        == "'doing' is not a tracker state of this workflow (states: backlog, todo, in_progress, human_review, done, cancelled)"
                )
                try await board.add("Two")
                let onMove = await storeError { _ = try await board.move("MAE-1", to: "archived") }
                #expect(onMove == .invalidState(state: "archived", allowed: allowed))
                let onList = await storeError { _ = try await board.issues(state: "nope") }
                #expect(onList == .invalidState(state: "nope", allowed: allowed))
                // Nothing changed: the refused create took no number, the refused move left the issue alone.
                #expect(try await board.issues().map(\.identifier) == ["MAE-1"])
                #expect(try await board.issue("MAE-1").trackerState == "todo")
            }
        }

        @Test func aStateOnlyAnotherWorkflowHasIsInvalid() async throws {
            try await withBoard(
                kanbanWorkflow(
                    "tracker:", "  kind: kanban", "  active_states: [Ready]", "  terminal_states: [Shipped]",
                    "  review_state: null", "  done_state: null", "phases: {review: {enabled: false}}")
            ) { board in
                #expect(board.rules.columns == ["backlog", "todo", "in_progress", "human_review", "done", "cancelled", "Ready", "Shipped"])
                try await board.project(key: "MAE")
                #expect(try await board.add("x", state: "shipped").trackerState == "Shipped")
                let error = await storeError { try await board.add("y", state: "Review") }
                #expect(error?.code == "invalid_state")
            }
        }
    }
}
