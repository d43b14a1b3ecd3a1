public import Runtime
import StateMachine
public import WorkflowParser

/// The kanban board's columns under one WORKFLOW.md: its tracker states in board order, and the one
/// new issues start in.
public struct KanbanColumns: Sendable, Hashable {
    /// Every column, in board order, as spelled in WORKFLOW.md.
    public let columns: [String]
    /// New issues start here: the first active state.
    public let initialColumn: String

    public init(columns: [String], initialColumn: String) {
        self.columns = columns
        self.initialColumn = initialColumn
    }

    /// The columns of `workflow`: `tracker.provider.columns` or the defaults, plus every state the
    /// workflow names.
    public init(workflow: Workflow) {
        let tracker = workflow.config.tracker
        var columns = WorkflowConfig.kanbanColumns
        if case .list(let custom) = tracker.provider["columns"] {
            columns = custom.compactMap(\.stringValue)
        }
        let mapped = [tracker.claimState, tracker.reviewState, tracker.doneState].compactMap { $0 }
        for state in tracker.activeStates + tracker.terminalStates + mapped
        where !columns.contains(where: { normalizedTrackerState($0) == normalizedTrackerState(state) }) {
            columns.append(state)
        }
        let active = Set(tracker.activeStates.map(normalizedTrackerState))
        self.init(
            columns: columns,
            initialColumn: columns.first { active.contains(normalizedTrackerState($0)) } ?? columns.first ?? "todo")
    }

    /// What the daemon publishes for other processes.
    public init(settings: BoardSettings) {
        self.init(columns: settings.columns, initialColumn: settings.initialColumn)
    }

    /// The column as the board spells it, or `nil` when the workflow has no such state.
    public func column(named name: String) -> String? {
        let wanted = normalizedTrackerState(name)
        return columns.first { normalizedTrackerState($0) == wanted }
    }

    /// The column, or `invalid_state` naming the columns there are.
    public func require(_ name: String) throws(APIError) -> String {
        guard let column = column(named: name) else {
            throw APIError(.invalidState, "'\(name)' is not a tracker state of this workflow (states: \(columns.joined(separator: ", ")))")
        }
        return column
    }
}
