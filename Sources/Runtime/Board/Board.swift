import Foundation
import GRDB
import StateMachine

/// The board's tracker facts in the store: projects, issues, labels, blockers, comments.
///
/// Trackers (the kanban provider, the Linear sync) write facts only through this type; none of
/// them decides a lifecycle change. Every write is one transaction that also appends to the board
/// change log. When `rules` is set (the daemon's board), the same transaction applies the facts'
/// lifecycle consequences with the daemon's current machine; a board without rules (a CLI
/// process) leaves them to the daemon, which reconciles the change log on its next tick.
public struct Board: Sendable {
    public let store: Store
    /// The daemon's current rules; `nil` outside the daemon.
    public let rules: (@Sendable () async -> LifecycleRules)?
    let clock: any RuntimeClock

    public init(store: Store, rules: (@Sendable () async -> LifecycleRules)? = nil, clock: any RuntimeClock = SystemClock()) {
        self.store = store
        self.rules = rules
        self.clock = clock
    }

    /// One write of facts: `body` changes rows and returns the issues whose standing may have
    /// changed with the change row to append; the lifecycle follows when this board has rules, and
    /// `result` reads the outcome in the same transaction.
    func write<T: Sendable, U: Sendable>(
        _ body: @escaping @Sendable (Database, Date) throws -> (T, BoardChangeRecord?, [Int64]),
        then result: @escaping @Sendable (T, Database) throws -> U
    ) async throws -> U {
        let rules = await rules?()
        let now = clock.now()
        return try await store.write { db in
            let (value, change, affected) = try body(db, now)
            if var change {
                change.reconciled = rules != nil
                change.at = now
                try change.append(db)
            }
            if let rules { try Reconciler.reconcile(affected, rules: rules, now: now, db) }
            return try result(value, db)
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database, Date) throws -> (T, BoardChangeRecord?, [Int64])) async throws -> T {
        try await write(body) { value, _ in value }
    }

    /// A write whose result is the view of the issue with row id `T`, after its consequences.
    func writeIssue(_ body: @escaping @Sendable (Database, Date) throws -> (Int64, BoardChangeRecord?, [Int64])) async throws
        -> IssueView
    {
        try await write(body) { issueId, db in
            guard let issue = try IssueRecord.fetchOne(db, key: issueId) else { throw APIError(.issueNotFound, "issue #\(issueId) is gone") }
            return try ViewBuilding.issue(issue, db)
        }
    }

    // MARK: - Projects

    /// Creates a project. The key prefixes kanban identifiers; derived from the name when omitted.
    public func createProject(_ new: NewProject) async throws -> ProjectView {
        let name = new.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw APIError(.invalidValue, "a project needs a name") }
        let key = (new.key ?? Self.derivedKey(from: name)).uppercased()
        guard (1...10).contains(key.count), key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), key.first?.isLetter == true
        else {
            throw APIError(
                .invalidValue, "project key '\(key)' must be 1-10 ASCII letters or digits, starting with a letter; choose one with --key")
        }
        let settings = jsonObject(new.settings)
        return try await write { db, now in
            if try ProjectRecord.filter(Column("key") == key || Column("name") == name).fetchCount(db) > 0 {
                throw APIError(
                    .duplicateProject, "a project named or keyed '\(try ProjectRecord.find(key, in: db) != nil ? key : name)' already exists")
            }
            var project = ProjectRecord(key: key, name: name, description: new.description, at: now)
            project.provider = new.provider
            project.externalId = new.externalId
            project.settings = settings
            try project.insert(db)
            let stored = try ProjectRecord.fetchOne(db, key: project.id) ?? project
            let change = BoardChangeRecord(
                kind: .projectCreated, projectId: project.id, issueId: nil, project: key, identifier: nil,
                payload: jsonObject(["name": name, "provider": new.provider]), reconciled: false, at: now)
            return (ViewBuilding.projectView(stored, issueCount: 0), change, [])
        }
    }

    /// Up to four letters of the name's words: "maestro core" → "MC", "maestro" → "MAES".
    static func derivedKey(from name: String) -> String {
        let words = name.split { !$0.isLetter && !$0.isNumber }.filter { $0.first?.isLetter == true }
        let key = words.count > 1 ? String(words.prefix(4).compactMap(\.first)) : String(words.first?.prefix(4) ?? "P")
        return key.uppercased()
    }

    public func updateProject(_ keyOrName: String, _ changes: ProjectChanges) async throws -> ProjectView {
        if let name = changes.name, name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError(.invalidValue, "a project needs a name")
        }
        guard changes.name != nil || changes.description != nil else {
            throw APIError(.invalidValue, "nothing to change: give a new name or description")
        }
        return try await write { db, now in
            var project = try Self.requireProject(keyOrName, db)
            var fields: [String] = []
            if let name = changes.name?.trimmingCharacters(in: .whitespacesAndNewlines), name != project.name {
                if try ProjectRecord.filter(Column("name") == name && Column("id") != project.id).fetchCount(db) > 0 {
                    throw APIError(.duplicateProject, "a project named '\(name)' already exists")
                }
                project.name = name
                fields.append("name")
            }
            if let description = changes.description, description != project.description {
                project.description = description
                fields.append("description")
            }
            guard !fields.isEmpty else { return (try ViewBuilding.project(project, db), nil, []) }
            project.updatedAt = now
            try project.update(db)
            let change = BoardChangeRecord(
                kind: .projectUpdated, projectId: project.id, issueId: nil, project: project.key, identifier: nil,
                payload: jsonObject(["fields": fields.joined(separator: " ")]), reconciled: false, at: now)
            return (try ViewBuilding.project(project, db), change, [])
        }
    }

    /// Deletes a project and its issues (the transition log keeps their history); issues of other
    /// projects that they blocked are re-evaluated.
    public func deleteProject(_ keyOrName: String) async throws -> ProjectView {
        try await write { db, now in
            let project = try Self.requireProject(keyOrName, db)
            try Self.refuseLiveRuns(of: try IssueRecord.filter(Column("projectId") == project.id).fetchAll(db), db)
            let view = try ViewBuilding.project(project, db)
            let issueIds = try Int64.fetchAll(db, IssueRecord.filter(Column("projectId") == project.id).select(Column("id")))
            let dependents = try Int64.fetchAll(
                db, IssueBlockerRecord.filter(issueIds.contains(Column("blockerId"))).select(Column("issueId")))
            let outside = Set(dependents).subtracting(issueIds).sorted()
            let names = try IssueRecord.filter(keys: outside).fetchAll(db).map(\.identifier).sorted()
            try project.delete(db)
            let change = BoardChangeRecord(
                kind: .projectDeleted, projectId: project.id, issueId: nil, project: project.key, identifier: nil,
                payload: jsonObject(["issues": String(issueIds.count), "dependents": names.joined(separator: " ")]),
                reconciled: false, at: now)
            return (view, change, outside)
        }
    }

    static func requireProject(_ keyOrName: String, _ db: Database) throws -> ProjectRecord {
        guard let project = try ProjectRecord.find(keyOrName, in: db) else {
            throw APIError(.projectNotFound, "no project '\(keyOrName)'")
        }
        return project
    }

    static func requireIssue(_ identifier: String, _ db: Database) throws -> IssueRecord {
        guard let issue = try IssueRecord.find(identifier, in: db) else { throw APIError(.issueNotFound, "no issue '\(identifier)'") }
        return issue
    }
}
