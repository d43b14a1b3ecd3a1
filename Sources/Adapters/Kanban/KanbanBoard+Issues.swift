import Foundation
import GRDB
public import Runtime
import StateMachine

/// Fields of a new kanban issue.
public struct NewIssue: Sendable {
    public var title: String
    public var description: String?
    public var priority: Int?
    /// A column of the workflow; the first active state when nil.
    public var state: String?
    public var labels: [String]
    /// Identifiers of the issues blocking this one.
    public var blockedBy: [String]

    public init(
        title: String, description: String? = nil, priority: Int? = nil, state: String? = nil, labels: [String] = [],
        blockedBy: [String] = []
    ) {
        self.title = title
        self.description = description
        self.priority = priority
        self.state = state
        self.labels = labels
        self.blockedBy = blockedBy
    }
}

/// Edits to an issue; nil leaves a field alone.
public struct IssueChanges: Sendable {
    public var title: String?
    public var description: String?
    public var priority: Int?
    public var clearPriority = false
    public var addLabels: [String] = []
    public var removeLabels: [String] = []
    public var addBlockers: [String] = []
    public var removeBlockers: [String] = []

    public init() {}
}

/// Everything `maestro issue show` prints.
public struct IssueDetail: Sendable {
    public var issue: IssueRecord
    public var project: ProjectRecord
    public var blockers: [IssueRecord]
    public var comments: [CommentRecord]
    public var history: [TransitionRecord]
    public var sessions: [SessionRecord]
}

extension KanbanBoard {
    // MARK: - Create, read, delete

    public func createIssue(in projectKey: String, _ new: NewIssue) async throws -> IssueRecord {
        let title = new.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw StoreError.invalidValue("an issue needs a title") }
        try Self.checkPriority(new.priority)
        let state = try column(new.state ?? rules.initialColumn)
        return try await store.write { [rules] db in
            var project = try Self.requireProject(projectKey, db)
            let number = try project.allocateNumber(db)
            var issue = IssueRecord(
                projectId: project.id ?? 0, identifier: "\(project.key)-\(number)", title: title,
                description: new.description, priority: new.priority, trackerState: state, labels: new.labels, at: Date())
            try issue.insert(db)
            for identifier in new.blockedBy {
                try Self.addBlocker(identifier, to: issue, db)
            }
            try Self.reconcile(issue.id ?? 0, rules: rules, db)
            return try IssueRecord.fetchOne(db, key: issue.id) ?? issue
        }
    }

    /// Issues in dispatch order: priority 1..4 (none last), then oldest, then identifier.
    public func issues(project: String? = nil, state: String? = nil) async throws -> [IssueRecord] {
        let column = try state.map(column)
        return try await store.read { db in
            var request = IssueRecord.all()
            if let project {
                request = request.filter(Column("projectId") == (try Self.requireProject(project, db)).id)
            }
            if let column { request = request.filter(Column("trackerState") == column) }
            return try request.fetchAll(db).sorted(by: IssueRecord.dispatchOrder)
        }
    }

    public func detail(_ identifier: String) async throws -> IssueDetail {
        try await store.read { db in
            let issue = try Self.requireIssue(identifier, db)
            let project = try ProjectRecord.fetchOne(db, key: issue.projectId)
            return IssueDetail(
                issue: issue, project: project ?? ProjectRecord(key: "?", name: "?", description: nil, at: Date()),
                blockers: try issue.blockers(db),
                comments: try CommentRecord.filter(Column("issueId") == issue.id).order(Column("id")).fetchAll(db),
                history: try TransitionRecord.history(of: issue.id ?? 0).fetchAll(db),
                sessions: try SessionRecord.filter(Column("issueId") == issue.id).order(Column("id")).fetchAll(db))
        }
    }

    /// Deletes an issue; issues it blocked are re-evaluated. The log keeps its history.
    public func deleteIssue(_ identifier: String) async throws -> IssueRecord {
        try await store.write { [rules] db in
            let issue = try Self.requireIssue(identifier, db)
            let dependents = try IssueBlockerRecord.filter(Column("blockerId") == issue.id).fetchAll(db).map(\.issueId)
            try issue.delete(db)
            for dependent in dependents { try Self.reconcile(dependent, rules: rules, db) }
            return issue
        }
    }

    // MARK: - Changes

    /// Moves an issue to a column and feeds the lifecycle the change, in one transaction.
    /// With `expected`, an issue no longer in that column is left alone (and returned as it is).
    public func move(_ identifier: String, to state: String, ifCurrently expected: String? = nil) async throws -> IssueRecord {
        let column = try column(state)
        return try await store.write { [rules] db in
            var issue = try Self.requireIssue(identifier, db)
            if let expected, normalizedTrackerState(issue.trackerState) != normalizedTrackerState(expected) { return issue }
            issue.trackerState = column
            issue.updatedAt = Date()
            try issue.update(db, columns: ["trackerState", "updatedAt"])
            try Self.reconcile(issue.id ?? 0, rules: rules, db)
            // A finished (or reopened) blocker changes its dependents' routability.
            for dependent in try IssueBlockerRecord.filter(Column("blockerId") == issue.id).fetchAll(db) {
                try Self.reconcile(dependent.issueId, rules: rules, db)
            }
            return try IssueRecord.fetchOne(db, key: issue.id) ?? issue
        }
    }

    public func update(_ identifier: String, _ changes: IssueChanges) async throws -> IssueRecord {
        try Self.checkPriority(changes.priority)
        if let title = changes.title, title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw StoreError.invalidValue("an issue needs a title")
        }
        return try await store.write { [rules] db in
            var issue = try Self.requireIssue(identifier, db)
            if let title = changes.title { issue.title = title.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let description = changes.description { issue.description = description }
            if let priority = changes.priority { issue.priority = priority }
            if changes.clearPriority { issue.priority = nil }
            let removed = Set(IssueRecord.normalizedLabels(changes.removeLabels))
            issue.labels = IssueRecord.normalizedLabels(issue.labels.filter { !removed.contains($0) } + changes.addLabels)
            issue.updatedAt = Date()
            // Tracker fields only: lifecycle fields change through the transition entry point alone.
            try issue.update(db, columns: ["title", "description", "priority", "labels", "updatedAt"])
            for blocker in changes.removeBlockers {
                let other = try Self.requireIssue(blocker, db)
                _ = try IssueBlockerRecord.deleteOne(db, key: ["issueId": issue.id, "blockerId": other.id])
            }
            for blocker in changes.addBlockers { try Self.addBlocker(blocker, to: issue, db) }
            try Self.reconcile(issue.id ?? 0, rules: rules, db)
            return try IssueRecord.fetchOne(db, key: issue.id) ?? issue
        }
    }

    public func comment(_ identifier: String, body: String, author: String) async throws -> CommentRecord {
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw StoreError.invalidValue("a comment needs a body")
        }
        return try await store.write { db in
            let issue = try Self.requireIssue(identifier, db)
            var comment = CommentRecord(issueId: issue.id ?? 0, author: author, body: body, at: Date())
            try comment.insert(db)
            return try CommentRecord.fetchOne(db, key: comment.id) ?? comment
        }
    }

    // MARK: - Rules

    func column(_ state: String) throws -> String {
        guard let column = rules.column(named: state) else {
            throw StoreError.invalidState(state: state, allowed: rules.columns)
        }
        return column
    }

    static func checkPriority(_ priority: Int?) throws {
        if let priority, !(1...4).contains(priority) {
            throw StoreError.invalidValue("priority must be 1 (urgent) to 4 (low), got \(priority)")
        }
    }

    /// Adds "blocked by `identifier`", refusing self-blocks and cycles.
    static func addBlocker(_ identifier: String, to issue: IssueRecord, _ db: Database) throws {
        let blocker = try requireIssue(identifier, db)
        guard let issueId = issue.id, let blockerId = blocker.id else { return }
        // A cycle exists when the new blocker is (transitively) blocked by this issue.
        var path = [issue.identifier, blocker.identifier]
        if blockerId == issueId { throw StoreError.blockerCycle(path) }
        var frontier = [(blockerId, path)]
        var seen: Set<Int64> = [blockerId]
        while let (current, trail) = frontier.popLast() {
            for edge in try IssueBlockerRecord.filter(Column("issueId") == current).fetchAll(db) {
                let next = try IssueRecord.fetchOne(db, key: edge.blockerId)
                path = trail + [next?.identifier ?? "?"]
                if edge.blockerId == issueId { throw StoreError.blockerCycle(path) }
                if seen.insert(edge.blockerId).inserted { frontier.append((edge.blockerId, path)) }
            }
        }
        try IssueBlockerRecord(issueId: issueId, blockerId: blockerId).insert(db, onConflict: .ignore)
    }

    /// The issue as a tracker reports it to the runtime.
    static func trackerIssue(_ issue: IssueRecord, rules: KanbanRules, _ db: Database) throws -> TrackerIssue {
        let blockers = try issue.blockers(db)
        return TrackerIssue(
            id: String(issue.id ?? 0), identifier: issue.identifier, title: issue.title, description: issue.description,
            priority: issue.priority, state: issue.trackerState, labels: issue.labels,
            blockedBy: blockers.map { .init(id: String($0.id ?? 0), identifier: $0.identifier, state: $0.trackerState) },
            assigneeId: issue.assignee, url: issue.url, branchName: issue.branchName,
            dispatchable: blockers.allSatisfy { rules.isTerminal($0.trackerState) }, createdAt: issue.createdAt,
            updatedAt: issue.updatedAt)
    }

    /// Feeds the lifecycle the issue's current tracker standing; "unchanged" rejections are expected.
    @discardableResult
    static func reconcile(_ issueId: Int64, rules: KanbanRules, _ db: Database) throws -> TransitionOutcome? {
        guard let issue = try IssueRecord.fetchOne(db, key: issueId) else { return nil }
        let tracked = try trackerIssue(issue, rules: rules, db)
        let routable = rules.isRoutable(labels: tracked.labels, blockerStates: tracked.blockedBy.compactMap(\.state))
        let standing = TrackerStanding.classify(
            .init(state: issue.trackerState, routable: routable), state: issue.lifecycleState, phase: issue.phase,
            policy: rules.machine.policy)
        return try TransitionStore.apply(
            .trackerUpdated, to: issueId, in: db, machine: rules.machine, facts: TransitionFacts(standing: standing),
            payload: ["trackerState": issue.trackerState, "standing": standing.rawValue])
    }
}
