import Foundation
import GRDB
public import Runtime
import StateMachine

/// The local kanban board: projects, issues, labels, blockers and comments in maestro's store.
///
/// Every tracker change that can affect eligibility (state, labels, blockers) commits together with
/// the lifecycle event it implies, through ``TransitionStore``.
public struct KanbanBoard: Sendable {
    public let store: Store
    public let rules: KanbanRules

    public init(store: Store, rules: KanbanRules) {
        self.store = store
        self.rules = rules
    }

    // MARK: - Projects

    /// Creates a project. `key` prefixes identifiers; derived from the name when omitted.
    public func createProject(name: String, key: String? = nil, description: String? = nil) async throws -> ProjectRecord {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw StoreError.invalidValue("a project needs a name") }
        let projectKey = (key ?? Self.derivedKey(from: trimmed)).uppercased()
        guard (1...10).contains(projectKey.count), projectKey.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
            projectKey.first?.isLetter == true
        else {
            throw StoreError.invalidValue(
                "project key '\(projectKey)' must be 1-10 ASCII letters or digits, starting with a letter; choose one with --key")
        }
        return try await store.write { db in
            if try ProjectRecord.filter(Column("key") == projectKey || Column("name") == trimmed).fetchCount(db) > 0 {
                throw StoreError.duplicateProject(try ProjectRecord.find(projectKey, in: db) != nil ? projectKey : trimmed)
            }
            var project = ProjectRecord(key: projectKey, name: trimmed, description: description, at: Date())
            try project.insert(db)
            // Read back, so dates carry the stored (millisecond) precision every later read shows.
            return try ProjectRecord.fetchOne(db, key: project.id) ?? project
        }
    }

    /// Up to four letters of the name's words: "maestro core" → "MC", "maestro" → "MAES".
    static func derivedKey(from name: String) -> String {
        let words = name.split { !$0.isLetter && !$0.isNumber }.filter { $0.first?.isLetter == true }
        let key = words.count > 1 ? String(words.prefix(4).compactMap(\.first)) : String(words.first?.prefix(4) ?? "P")
        return key.uppercased()
    }

    /// Projects with their issue counts, by key.
    public func projects() async throws -> [(project: ProjectRecord, issues: Int)] {
        try await store.read { db in
            try ProjectRecord.order(Column("key")).fetchAll(db).map { project in
                (project, try IssueRecord.filter(Column("projectId") == project.id).fetchCount(db))
            }
        }
    }

    public func project(_ keyOrName: String) async throws -> ProjectRecord {
        try await store.read { db in try Self.requireProject(keyOrName, db) }
    }

    /// Deletes a project and its issues (the transition log keeps their history); issues of other
    /// projects that they blocked are re-evaluated.
    public func deleteProject(_ keyOrName: String) async throws -> ProjectRecord {
        try await store.write { [rules] db in
            let project = try Self.requireProject(keyOrName, db)
            let issueIds = try Int64.fetchAll(db, IssueRecord.filter(Column("projectId") == project.id).select(Column("id")))
            let dependents = try IssueBlockerRecord.filter(issueIds.contains(Column("blockerId"))).fetchAll(db).map(\.issueId)
            try project.delete(db)
            // Dependents inside the deleted project are gone; `reconcile` skips them.
            for dependent in Set(dependents).sorted() { try Self.reconcile(dependent, rules: rules, db) }
            return project
        }
    }

    static func requireProject(_ keyOrName: String, _ db: Database) throws -> ProjectRecord {
        guard let project = try ProjectRecord.find(keyOrName, in: db) else { throw StoreError.projectNotFound(keyOrName) }
        return project
    }

    static func requireIssue(_ identifier: String, _ db: Database) throws -> IssueRecord {
        guard let issue = try IssueRecord.find(identifier, in: db) else { throw StoreError.issueNotFound(identifier) }
        return issue
    }
}
