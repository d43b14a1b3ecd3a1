public import Foundation
import GRDB
import StateMachine

/// An issue as a remote tracker reports it, normalized (Symphony §4.1.1 and §11.3).
public struct TrackerSnapshot: Sendable, Hashable {
    /// The tracker's stable id.
    public var externalId: String
    public var identifier: String
    public var title: String
    public var description: String?
    public var priority: Int?
    /// The provider's spelling.
    public var state: String
    public var labels: [String]
    /// Blockers as the tracker reports them (`id` is the tracker's id).
    public var blockedBy: [BlockerView]
    public var assignee: String?
    public var url: String?
    public var branchName: String?
    public var createdAt: Date?
    public var updatedAt: Date?

    public init(
        externalId: String, identifier: String, title: String, description: String? = nil, priority: Int? = nil, state: String,
        labels: [String] = [], blockedBy: [BlockerView] = [], assignee: String? = nil, url: String? = nil, branchName: String? = nil,
        createdAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.externalId = externalId
        self.identifier = identifier
        self.title = title
        self.description = description
        self.priority = priority
        self.state = state
        self.labels = labels
        self.blockedBy = blockedBy
        self.assignee = assignee
        self.url = url
        self.branchName = branchName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension Board {
    /// Mirrors a remote tracker's issues into the project: new ones are inserted, changed ones
    /// updated (one change row each, naming what changed), unchanged ones left alone, and copies
    /// older than the one mirrored (by the tracker's `updatedAt`) ignored. Returns how many rows
    /// changed.
    @discardableResult
    public func upsert(_ snapshots: [TrackerSnapshot], in projectKey: String) async throws -> Int {
        guard !snapshots.isEmpty else { return 0 }
        let rules = await rules?()
        let now = clock.now()
        return try await store.write { db in
            let project = try Self.requireProject(projectKey, db)
            var affected: [Int64] = []
            var changed = 0
            var current: [TrackerSnapshot] = []
            for snapshot in snapshots {
                switch try Self.upsert(snapshot, project: project, now: now, db) {
                case .stale: continue
                case .unchanged: break
                case .changed(let issueId, var change):
                    change.reconciled = rules != nil
                    try change.append(db)
                    affected += try Reconciler.affected(by: issueId, db)
                    changed += 1
                }
                current.append(snapshot)
            }
            // Blockers may name issues inserted later in the same batch: link them now.
            for snapshot in current {
                guard let issue = try Self.linkBlockers(snapshot, project: project, db) else { continue }
                var change = try Self.change(.issueUpdated, issue, ["fields": "blockers", "source": "sync"], db)
                change.reconciled = rules != nil
                change.at = now
                try change.append(db)
                affected.append(issue.id ?? 0)
                changed += 1
            }
            if let rules { try Reconciler.reconcile(affected, rules: rules, now: now, db) }
            return changed
        }
    }

    /// Marks issues the tracker no longer shows as not visible: kept, never deleted silently.
    @discardableResult
    public func hide(externalIds: [String], in projectKey: String) async throws -> Int {
        guard !externalIds.isEmpty else { return 0 }
        let rules = await rules?()
        let now = clock.now()
        return try await store.write { db in
            let project = try Self.requireProject(projectKey, db)
            var affected: [Int64] = []
            for var issue in try IssueRecord.filter(Column("projectId") == project.id && externalIds.contains(Column("externalId")))
                .fetchAll(db) where issue.visible
            {
                issue.visible = false
                issue.updatedAt = now
                try issue.update(db, columns: ["visible", "updatedAt"])
                var change = try Self.change(.issueHidden, issue, [:], db)
                change.reconciled = rules != nil
                change.at = now
                try change.append(db)
                affected += try Reconciler.affected(by: issue.id ?? 0, db)
            }
            if let rules { try Reconciler.reconcile(affected, rules: rules, now: now, db) }
            return affected.count
        }
    }

    /// The external ids of the project's visible issues.
    public func visibleExternalIds(in projectKey: String) async throws -> Set<String> {
        try await store.read { db in
            let project = try Self.requireProject(projectKey, db)
            return Set(
                try String.fetchAll(
                    db, sql: "SELECT externalId FROM issue WHERE projectId = ? AND visible = 1 AND externalId IS NOT NULL",
                    arguments: [project.id]))
        }
    }

    /// The tracker state of each visible issue of the project, by external id: a sync tells the
    /// issues that left the states it reads from those it never read.
    public func visibleTrackerStates(in projectKey: String) async throws -> [String: String] {
        try await store.read { db in
            let project = try Self.requireProject(projectKey, db)
            let rows = try Row.fetchAll(
                db, sql: "SELECT externalId, trackerState FROM issue WHERE projectId = ? AND visible = 1 AND externalId IS NOT NULL",
                arguments: [project.id])
            return Dictionary(rows.map { ($0[0] as String, $0[1] as String) }, uniquingKeysWith: { first, _ in first })
        }
    }

    private enum Upsert {
        /// Older than the copy mirrored: read before a write whose answer is already here (a sync
        /// page and an agent's move), so it would put the older copy back.
        case stale
        case unchanged
        case changed(Int64, BoardChangeRecord)
    }

    private static func upsert(_ snapshot: TrackerSnapshot, project: ProjectRecord, now: Date, _ db: Database) throws -> Upsert {
        let labels = IssueRecord.normalizedLabels(snapshot.labels)
        let priority = snapshot.priority.flatMap { (1...4).contains($0) ? $0 : nil }
        guard
            var issue = try IssueRecord.filter(Column("projectId") == project.id && Column("externalId") == snapshot.externalId)
                .fetchOne(db)
        else {
            var issue = IssueRecord(
                projectId: project.id ?? 0, identifier: snapshot.identifier, title: snapshot.title, description: snapshot.description,
                priority: priority, trackerState: snapshot.state, labels: labels, at: snapshot.createdAt ?? now)
            issue.externalId = snapshot.externalId
            issue.assignee = snapshot.assignee
            issue.url = snapshot.url
            issue.branchName = snapshot.branchName
            issue.updatedAt = snapshot.updatedAt ?? now
            issue.trackerUpdatedAt = snapshot.updatedAt
            issue.externalBlockers = []
            try issue.insert(db)
            let change = BoardChangeRecord(
                kind: .issueCreated, projectId: project.id, issueId: issue.id, project: project.key, identifier: issue.identifier,
                payload: jsonObject(["state": snapshot.state, "title": snapshot.title, "source": "sync"]), reconciled: false, at: now)
            return .changed(issue.id ?? 0, change)
        }
        if let mirrored = issue.trackerUpdatedAt, let read = snapshot.updatedAt, read < mirrored { return .stale }
        let before = issue
        issue.identifier = snapshot.identifier
        issue.title = snapshot.title
        issue.description = snapshot.description
        issue.priority = priority
        issue.labels = labels
        issue.assignee = snapshot.assignee
        issue.url = snapshot.url
        issue.branchName = snapshot.branchName
        issue.visible = true
        let moved = issue.trackerState != snapshot.state
        issue.trackerState = snapshot.state
        guard issue != before else { return .unchanged }
        issue.updatedAt = snapshot.updatedAt ?? now
        issue.trackerUpdatedAt = snapshot.updatedAt ?? issue.trackerUpdatedAt
        try issue.update(db)
        let fields = ["identifier", "title", "description", "priority", "labels", "assignee", "url", "branchName", "visible"]
            .filter { field in
                switch field {
                case "identifier": before.identifier != issue.identifier
                case "title": before.title != issue.title
                case "description": before.description != issue.description
                case "priority": before.priority != issue.priority
                case "labels": before.labels != issue.labels
                case "assignee": before.assignee != issue.assignee
                case "url": before.url != issue.url
                case "branchName": before.branchName != issue.branchName
                default: before.visible != issue.visible
                }
            }
        var details = ["source": "sync"]
        if moved {
            details["from"] = before.trackerState
            details["to"] = issue.trackerState
        }
        if !fields.isEmpty { details["fields"] = fields.joined(separator: " ") }
        let change = try change(moved ? .issueMoved : .issueUpdated, issue, details, db)
        return .changed(issue.id ?? 0, change)
    }

    /// Blockers in the store become edges; the others are kept as the tracker reported them.
    /// Returns the issue when its blockers changed.
    private static func linkBlockers(_ snapshot: TrackerSnapshot, project: ProjectRecord, _ db: Database) throws -> IssueRecord? {
        guard
            var issue = try IssueRecord.filter(Column("projectId") == project.id && Column("externalId") == snapshot.externalId)
                .fetchOne(db), let issueId = issue.id
        else { return nil }
        var external: [ExternalBlocker] = []
        var linked: Set<Int64> = []
        for blocker in snapshot.blockedBy {
            if let id = blocker.id, let row = try IssueRecord.filter(Column("externalId") == id).fetchOne(db), let rowId = row.id,
                rowId != issueId
            {
                linked.insert(rowId)
            } else {
                external.append(ExternalBlocker(id: blocker.id, identifier: blocker.identifier, state: blocker.state))
            }
        }
        let current = Set(try Int64.fetchAll(db, sql: "SELECT blockerId FROM issueBlocker WHERE issueId = ?", arguments: [issueId]))
        let edgesChanged = current != linked
        if edgesChanged {
            try IssueBlockerRecord.filter(Column("issueId") == issueId).deleteAll(db)
            for blockerId in linked { try IssueBlockerRecord(issueId: issueId, blockerId: blockerId).insert(db, onConflict: .ignore) }
        }
        let externalChanged = issue.externalBlockers != external
        if externalChanged {
            issue.externalBlockers = external
            try issue.update(db, columns: ["externalBlockers"])
        }
        return edgesChanged || externalChanged ? issue : nil
    }
}
