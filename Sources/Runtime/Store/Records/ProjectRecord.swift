public import Foundation
public import GRDB

/// A kanban project; its `key` prefixes issue identifiers (`MAE-12`).
public struct ProjectRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "project"
    public var id: Int64?
    public var key: String
    public var name: String
    public var description: String?
    /// The number the next issue of this project gets.
    public var nextNumber: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(key: String, name: String, description: String?, at date: Date) {
        self.key = key
        self.name = name
        self.description = description
        self.nextNumber = 1
        self.createdAt = date
        self.updatedAt = date
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Finds a project by key (case-insensitive) or name; a key match wins over another project's name.
    public static func find(_ keyOrName: String, in db: Database) throws -> ProjectRecord? {
        try ProjectRecord.filter(Column("key") == keyOrName.uppercased()).fetchOne(db)
            ?? ProjectRecord.filter(Column("name") == keyOrName).fetchOne(db)
    }

    /// Takes the next identifier number, atomically within the caller's transaction.
    public mutating func allocateNumber(_ db: Database) throws -> Int {
        let number = nextNumber
        nextNumber += 1
        try update(db, columns: ["nextNumber"])
        return number
    }
}
