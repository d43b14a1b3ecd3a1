import Adapters
import Foundation
import GRDB
import Runtime
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

/// The board's rules under `text`.
func kanbanRules(_ text: String) throws -> KanbanRules {
    KanbanRules(workflow: try WorkflowLoader.parse(text, file: "WORKFLOW.md", baseDirectory: "/tmp", environment: [:]))
}

/// Runs `body` with a board on a fresh SQLite file in a temporary directory, removed afterwards.
func withBoard(
    _ workflow: String = defaultKanbanWorkflow, _ body: (KanbanBoard) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-kanban-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try Store.open(path: directory.appendingPathComponent("m.sqlite").path)
    try await body(KanbanBoard(store: store, rules: try kanbanRules(workflow)))
}

/// A compact view of a log row: (identifier, event, from, to).
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

    init(_ record: TransitionRecord) {
        self.init(record.identifier, record.event.rawValue, record.fromState.rawValue, record.toState.rawValue)
    }

    var description: String { "\(identifier) \(event) \(from)->\(to)" }
}

extension KanbanBoard {
    /// The whole transition log, in seq order.
    func log() async throws -> [LogRow] {
        try await store.read { db in try TransitionRecord.order(Column("seq")).fetchAll(db) }.map(LogRow.init)
    }

    /// One issue, fetched fresh.
    func issue(_ identifier: String) async throws -> IssueRecord {
        try await detail(identifier).issue
    }

    /// Creates a project keyed `key` (named after it).
    @discardableResult
    func project(key: String) async throws -> ProjectRecord {
        try await createProject(name: "Project \(key)", key: key)
    }

    /// Creates an issue titled `title` in `project`.
    @discardableResult
    func add(
        _ title: String, in project: String = "MAE", state: String? = nil, labels: [String] = [],
        blockedBy: [String] = [], priority: Int? = nil
    ) async throws -> IssueRecord {
        try await createIssue(
            in: project, NewIssue(title: title, priority: priority, state: state, labels: labels, blockedBy: blockedBy))
    }
}

/// The `StoreError` `body` throws; records an issue when it throws nothing or something else.
func storeError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> StoreError? {
    do {
        try await body()
        Issue.record("expected a StoreError, got success", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
