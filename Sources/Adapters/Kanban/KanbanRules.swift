public import StateMachine
public import WorkflowParser

/// The board's rules under one WORKFLOW.md: which states exist, which are active or done, and the
/// lifecycle machine tracker changes are fed to.
public struct KanbanRules: Sendable {
    /// Every column, in board order, as spelled in WORKFLOW.md.
    public let columns: [String]
    public let requiredLabels: [String]
    public let machine: CompiledMachine

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
        self.columns = columns
        self.requiredLabels = tracker.requiredLabels
        self.machine = workflow.machine
    }

    /// The column as the board spells it, or `nil` when the workflow has no such state.
    public func column(named name: String) -> String? {
        let wanted = normalizedTrackerState(name)
        return columns.first { normalizedTrackerState($0) == wanted }
    }

    /// New issues start in the first active state.
    public var initialColumn: String {
        let active = machine.policy.trackerStates.active
        return columns.first { active.contains(normalizedTrackerState($0)) } ?? columns.first ?? "todo"
    }

    public func isTerminal(_ state: String) -> Bool {
        machine.policy.trackerStates.terminal.contains(normalizedTrackerState(state))
    }

    /// Routable: every required label present and no unfinished (non-terminal) blocker.
    public func isRoutable(labels: [String], blockerStates: [String]) -> Bool {
        requiredLabels.allSatisfy(labels.contains) && blockerStates.allSatisfy(isTerminal)
    }
}
