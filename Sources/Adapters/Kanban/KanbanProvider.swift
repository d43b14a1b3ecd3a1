public import Runtime

/// The local kanban board: maestro's store is the tracker. Projects and issues are created, edited
/// and moved here and nowhere else; issue ids are their identifiers.
public struct KanbanProvider: BoardProvider {
    public let board: Board
    /// The columns in force: the daemon's current workflow, or what a CLI process loaded.
    public let columns: @Sendable () async -> KanbanColumns

    public init(board: Board, columns: @escaping @Sendable () async -> KanbanColumns) {
        self.board = board
        self.columns = columns
    }

    public init(board: Board, columns: KanbanColumns) {
        self.init(board: board) { columns }
    }

    public var kind: String { "kanban" }
    public var secretEnvironmentNames: [String] { [] }

    public func states(of project: ProjectView) async -> [String] { await columns().columns }

    public func createProject(_ new: NewProject) async throws -> ProjectView {
        guard new.externalId == nil else {
            throw APIError(.invalidValue, "a kanban project has no external id; it lives in maestro's store")
        }
        return try await board.createProject(new)
    }

    public func deleteProject(_ project: ProjectView) async throws -> ProjectView {
        try await board.deleteProject(project.key)
    }

    public func createIssue(in project: ProjectView, _ new: NewIssue) async throws -> IssueView {
        let columns = await columns()
        let state = try columns.require(new.state ?? columns.initialColumn)
        return try await board.createIssue(in: project.key, new, state: state)
    }

    public func updateIssue(_ issue: IssueView, _ changes: IssueChanges) async throws -> IssueView {
        try await board.updateIssue(issue.identifier, changes)
    }

    public func moveIssue(_ issue: IssueView, to state: String, ifCurrently expected: String?) async throws -> IssueView {
        let column = try await columns().require(state)
        return try await board.moveIssue(issue.identifier, to: column, ifCurrently: expected)
    }

    public func comment(on issue: IssueView, body: String, author: String) async throws -> CommentView {
        try await board.comment(issue.identifier, body: body, author: author)
    }

    public func deleteIssue(_ issue: IssueView) async throws -> IssueView {
        try await board.deleteIssue(issue.identifier)
    }

    public func refresh(_ issues: [IssueRef]) async throws {}
}
