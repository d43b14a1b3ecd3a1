import Adapters
import Foundation
import GRDB
import Runtime
import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

/// The kanban board tests; each nested suite covers one rule family.
@Suite struct KanbanTests {}

/// A workflow whose front matter is `frontMatter`, followed by a valid prompt.
func kanbanWorkflow(_ frontMatter: String...) -> String {
    "---\n" + frontMatter.map { $0 + "\n" }.joined() + "---\nWork on {{ issue.identifier }}.\n"
}

/// The workflow with every tracker default.
let defaultKanbanWorkflow = kanbanWorkflow("tracker:", "  kind: kanban")

/// `text` parsed as a WORKFLOW.md.
func parsedWorkflow(_ text: String) throws -> Workflow {
    try WorkflowLoader.parse(text, file: "WORKFLOW.md", baseDirectory: "/tmp", environment: [:])
}

/// The kanban board as a surface reaches it: the Runtime API routing to a ``KanbanProvider`` over a
/// ``Board`` on a fresh SQLite file.
///
/// The board has the workflow's lifecycle rules, as the daemon's board does, so a fact write commits
/// its lifecycle consequences in the same transaction. ``cliProcess()`` is a board without them, as
/// a CLI process has: facts and change rows only.
struct KanbanHarness {
    let store: Store
    let board: Board
    let provider: KanbanProvider
    let api: RuntimeAPI
    let columns: KanbanColumns
    let rules: LifecycleRules

    init(store: Store, workflow: Workflow, clock: any RuntimeClock = SystemClock()) {
        let rules = LifecycleRules(workflow: workflow)
        self.init(
            store: store, board: Board(store: store, rules: { rules }, clock: clock), columns: KanbanColumns(workflow: workflow),
            rules: rules)
    }

    private init(store: Store, board: Board, columns: KanbanColumns, rules: LifecycleRules) {
        self.store = store
        self.board = board
        self.columns = columns
        self.rules = rules
        provider = KanbanProvider(board: board, columns: columns)
        api = RuntimeAPI(board: board, providers: Providers([provider]), hintRules: rules)
    }

    /// Another process on the same store without the daemon's rules, as `maestro issue` is.
    func cliProcess() -> KanbanHarness {
        KanbanHarness(store: store, board: Board(store: store), columns: columns, rules: rules)
    }
}

/// Runs `body` with a kanban board on a fresh SQLite file in a temporary directory, removed afterwards.
func withBoard(
    _ workflow: String = defaultKanbanWorkflow, clock: any RuntimeClock = SystemClock(), _ body: (KanbanHarness) async throws -> Void
) async throws {
    let directory = try TemporaryStore()
    defer { directory.cleanup() }
    try await body(KanbanHarness(store: try directory.open(), workflow: try parsedWorkflow(workflow), clock: clock))
}

/// A compact view of a transition: (identifier, event, from, to).
struct LogRow: Equatable, CustomStringConvertible {
    var identifier: String
    var event: String
    var from: String
    var to: String

    init(_ identifier: String, _ event: String, _ from: String, _ to: String) {
        self.identifier = identifier
        self.event = event
        self.from = from
        self.to = to
    }

    init(_ view: TransitionView) {
        self.init(view.issue, view.event.rawValue, view.from.rawValue, view.to.rawValue)
    }

    var description: String { "\(identifier) \(event) \(from)->\(to)" }
}

/// A compact view of a board change: (kind, project, issue).
struct ChangeRow: Equatable, CustomStringConvertible {
    var kind: BoardChangeKind
    var project: String?
    var issue: String?

    init(_ kind: BoardChangeKind, _ project: String?, _ issue: String? = nil) {
        self.kind = kind
        self.project = project
        self.issue = issue
    }

    init(_ view: BoardChangeView) {
        self.init(view.kind, view.project, view.issue)
    }

    var description: String { "\(kind.rawValue) \(project ?? "-") \(issue ?? "-")" }
}

extension KanbanHarness {
    /// The whole transition log, in seq order.
    func log() async throws -> [LogRow] {
        try await api.transitions(limit: 10_000).map(LogRow.init)
    }

    /// The whole board change log, in seq order.
    func changes() async throws -> [BoardChangeView] {
        try await api.changes(limit: 10_000)
    }

    /// The board change log after `seq`, compactly.
    func changeRows(after seq: Int64 = 0) async throws -> [ChangeRow] {
        try await api.changes(after: seq, limit: 10_000).map(ChangeRow.init)
    }

    /// The last seq of either log, to look at what a write appended after it.
    func lastSeq() async throws -> Int64 { try await api.lastSeq() }

    /// One issue, fetched fresh.
    func issue(_ identifier: String) async throws -> IssueView {
        try await api.issue(identifier)
    }

    /// The issue's row id (transitions key on it; views do not show it).
    func rowId(_ identifier: String) async throws -> Int64 {
        try #require(try await store.read { db in try IssueRecord.find(identifier, in: db)?.id })
    }

    /// The project's stored row, for counters the views do not show.
    func projectRecord(_ keyOrName: String) async throws -> ProjectRecord {
        try #require(try await store.read { db in try ProjectRecord.find(keyOrName, in: db) })
    }

    /// The issue's tracker standing under the board's rules, as the reconciler judges it.
    func standing(_ identifier: String) async throws -> TrackerStanding {
        let rules = rules
        return try await store.read { db in
            guard let issue = try IssueRecord.find(identifier, in: db) else { throw APIError(.issueNotFound, identifier) }
            return try Reconciler.standing(of: issue, rules: rules, db)
        }
    }

    func detail(_ identifier: String) async throws -> IssueDetailView {
        try await api.issueDetail(identifier)
    }

    /// Creates a project keyed `key` (named after it).
    @discardableResult
    func project(key: String) async throws -> ProjectView {
        try await api.createProject(NewProject(name: "Project \(key)", key: key))
    }

    func createProject(name: String, key: String? = nil, description: String? = nil) async throws -> ProjectView {
        try await api.createProject(NewProject(name: name, key: key, description: description))
    }

    /// Creates an issue titled `title` in `project`.
    @discardableResult
    func add(
        _ title: String, in project: String = "MAE", state: String? = nil, labels: [String] = [],
        blockedBy: [String] = [], priority: Int? = nil
    ) async throws -> IssueView {
        try await api.createIssue(
            in: project, NewIssue(title: title, priority: priority, state: state, labels: labels, blockedBy: blockedBy))
    }

    func move(_ identifier: String, to state: String) async throws -> IssueView {
        try await api.moveIssue(identifier, to: state)
    }

    func update(_ identifier: String, _ changes: IssueChanges) async throws -> IssueView {
        try await api.updateIssue(identifier, changes)
    }

    /// Issues in dispatch order.
    func issues(project: String? = nil, state: String? = nil) async throws -> [IssueView] {
        try await api.issues(IssueQuery(project: project, state: state)).items
    }
}

/// The `APIError` `body` throws; records an issue when it throws nothing or something else.
func apiError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> APIError? {
    do {
        try await body()
        Issue.record("expected an APIError, got success", sourceLocation: sourceLocation)
    } catch let error as APIError {
        return error
    } catch {
        Issue.record("expected an APIError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
