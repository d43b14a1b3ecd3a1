package import Foundation
package import GRDB

/// A kanban project; its `key` prefixes issue identifiers (`MAE-12`).
package struct ProjectRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "project"
    package var id: Int64?
    package var key: String
    package var name: String
    package var description: String?
    /// The number the next issue of this project gets.
    package var nextNumber: Int
    /// The tracker that owns the project's issues: `kanban`, `linear`.
    package var provider: String
    /// The project's id in its tracker (a Linear project's id or slug); `nil` for kanban.
    package var externalId: String?
    /// Provider options without secrets (a Linear project's assignee filter, say), as JSON.
    package var settings: String
    package var createdAt: Date
    package var updatedAt: Date

    package init(key: String, name: String, description: String?, at date: Date) {
        self.key = key
        self.name = name
        self.description = description
        self.nextNumber = 1
        self.provider = "kanban"
        self.settings = "{}"
        self.createdAt = date
        self.updatedAt = date
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Finds a project by key (case-insensitive) or name; a key match wins over another project's name.
    package static func find(_ keyOrName: String, in db: Database) throws -> ProjectRecord? {
        try ProjectRecord.filter(Column("key") == keyOrName.uppercased()).fetchOne(db)
            ?? ProjectRecord.filter(Column("name") == keyOrName).fetchOne(db)
    }

    /// Takes the next identifier number, atomically within the caller's transaction.
    package mutating func allocateNumber(_ db: Database) throws -> Int {
        let number = nextNumber
        nextNumber += 1
        try update(db, columns: ["nextNumber"])
        return number
    }
}
