import Foundation
import GRDB
public import WorkflowParser

/// What processes other than the daemon need to know of the daemon's workflow to edit the board:
/// the tracker states. The daemon publishes them in the store at start and on every reload, so a
/// CLI run from any directory validates a move against the states the daemon uses.
public struct BoardSettings: Codable, Sendable, Hashable {
    /// The kanban columns, in board order.
    public var columns: [String]
    /// The state new issues start in.
    public var initialColumn: String
    public var workflowPath: String
    public var revision: Int

    public init(columns: [String], initialColumn: String, workflowPath: String, revision: Int) {
        self.columns = columns
        self.initialColumn = initialColumn
        self.workflowPath = workflowPath
        self.revision = revision
    }

    enum CodingKeys: String, CodingKey {
        case columns
        case initialColumn = "initial_column"
        case workflowPath = "workflow_path"
        case revision
    }

    private static let metadataKey = "board.settings"

    /// Records the settings in `store`; a write that changes nothing wakes nobody.
    public func publish(in store: Store) async throws {
        let text = try MaestroJSON.text(self)
        try await store.record { db in
            try db.execute(
                sql: "INSERT INTO metadata (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [Self.metadataKey, text])
        }
    }

    /// The settings the last daemon published in `store`, if any.
    public static func published(in store: Store) async throws -> BoardSettings? {
        let text = try await store.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM metadata WHERE key = ?", arguments: [metadataKey])
        }
        return try text.map { try MaestroJSON.decoder().decode(BoardSettings.self, from: Data($0.utf8)) }
    }
}

/// maestro's built-in workflow: a kanban board with every default.
public enum WorkflowLoaderDefaults {
    public static let kanbanText = "---\ntracker:\n  kind: kanban\n---\nWork on {{ issue.identifier }}: {{ issue.title }}.\n"

    public static func kanban() throws(WorkflowError) -> Workflow {
        try WorkflowLoader.parse(kanbanText, file: "(defaults)", baseDirectory: "/")
    }
}
