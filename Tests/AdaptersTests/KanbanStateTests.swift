import Adapters
import Foundation
import Runtime
import StateMachine
import Testing
import WorkflowParser

extension KanbanTests {
    /// Columns come from the workflow; states are matched case-insensitively.
    @Suite struct States {
        static let defaultColumns = ["backlog", "todo", "in_progress", "human_review", "done", "cancelled"]

        @Test func defaultColumnsAreTheDocumentedBoard() throws {
            let workflow = try parsedWorkflow(defaultKanbanWorkflow)
            let columns = KanbanColumns(workflow: workflow)
            #expect(columns.columns == Self.defaultColumns)
            #expect(columns.initialColumn == "todo")
            // Terminal states and required labels belong to the lifecycle rules now, not the columns.
            let rules = LifecycleRules(workflow: workflow)
            #expect(rules.isTerminal("done"))
            #expect(rules.isTerminal(" Cancelled "))
            #expect(!rules.isTerminal("human_review"))
            #expect(!rules.isTerminal("backlog"))
            #expect(rules.requiredLabels == [])
        }

        @Test func customColumnsComeFromTheProviderAndMissingWorkflowStatesAreAppended() throws {
            let columns = KanbanColumns(
                workflow: try parsedWorkflow(
                    kanbanWorkflow(
                        "tracker:", "  kind: kanban", "  active_states: [Ready, Doing]", "  terminal_states: [Shipped, Dropped]",
                        "  claim_state: Doing", "  review_state: Review", "  done_state: Shipped",
                        "  provider:", "    columns: [Ideas, ready, Shipped]")))
            // The provider's columns first, as spelled there; then active, terminal and mapped states it lacks.
            #expect(columns.columns == ["Ideas", "ready", "Shipped", "Doing", "Dropped", "Review"])
            #expect(columns.initialColumn == "ready")
            #expect(columns.column(named: "READY") == "ready")
            #expect(columns.column(named: " review ") == "Review")
            #expect(columns.column(named: "todo") == nil)
            #expect(try columns.require(" DOING") == "Doing")
        }

        @Test func defaultMappedStatesAreAddedToCustomColumns() throws {
            let columns = KanbanColumns(
                workflow: try parsedWorkflow(
                    kanbanWorkflow(
                        "tracker:", "  kind: kanban", "  active_states: [Next]", "  terminal_states: [Gone]",
                        "  provider: {columns: [Later]}")))
            // review_state and done_state default to human_review and done.
            #expect(columns.columns == ["Later", "Next", "Gone", "human_review", "done"])
            #expect(columns.initialColumn == "Next")
        }

        @Test func publishedSettingsGiveTheSameColumns() throws {
            let settings = BoardSettings(columns: ["Ideas", "Ready"], initialColumn: "Ready", workflowPath: "/w/WORKFLOW.md", revision: 3)
            let columns = KanbanColumns(settings: settings)
            #expect(columns == KanbanColumns(columns: ["Ideas", "Ready"], initialColumn: "Ready"))
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
                #expect(issue.state == "Ready")
                #expect(issue.lifecycle.state == .queued)
                #expect(issue.lifecycle.version == 0)
                // The project's states are the board's columns: the provider's, then the mapped states it lacks.
                #expect(try await board.api.states(of: "MAE") == ["Backlog", "Ready", "Doing", "Shipped", "human_review", "done"])
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
                #expect(created.state == "Ideas")
                let moved = try await board.move("mae-1", to: "doing")
                #expect(moved.state == "Doing")
                #expect(try await board.issues(state: "DOING").map(\.identifier) == ["MAE-1"])
                #expect(try await board.issues(state: " doing ").map(\.identifier) == ["MAE-1"])
                #expect(try await board.issues(state: "ready").isEmpty)
                let move = try #require(try await board.changes().last)
                #expect(move.kind == .issueMoved && move.issue == "MAE-1")
                #expect(move.details == ["from": "Ideas", "to": "Doing"])
            }
        }

        @Test func anInvalidStateListsTheAllowedStates() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let message = { (state: String) in
                    "'\(state)' is not a tracker state of this workflow (states: \(Self.defaultColumns.joined(separator: ", ")))"
                }
                let onCreate = await apiError { try await board.add("One", state: "doing") }
                #expect(onCreate == APIError(.invalidState, message("doing")))
                #expect(onCreate?.code == "invalid_state")
                try await board.add("Two")
                let before = try await board.lastSeq()
                let onMove = await apiError { _ = try await board.move("MAE-1", to: "archived") }
                #expect(onMove == APIError(.invalidState, message("archived")))
                // Nothing changed: the refused create took no number, the refused move left the issue alone
                // and appended no change row.
                #expect(try await board.issues().map(\.identifier) == ["MAE-1"])
                #expect(try await board.issue("MAE-1").state == "todo")
                #expect(try await board.lastSeq() == before)
            }
        }

        @Test func aStateOnlyAnotherWorkflowHasIsInvalid() async throws {
            try await withBoard(
                kanbanWorkflow(
                    "tracker:", "  kind: kanban", "  active_states: [Ready]", "  terminal_states: [Shipped]",
                    "  review_state: null", "  done_state: null", "phases: {review: {enabled: false}}")
            ) { board in
                #expect(board.columns.columns == Self.defaultColumns + ["Ready", "Shipped"])
                try await board.project(key: "MAE")
                #expect(try await board.add("x", state: "shipped").state == "Shipped")
                let error = await apiError { try await board.add("y", state: "Review") }
                #expect(error?.code == "invalid_state")
            }
        }
    }
}
