import Foundation
import GRDB
import StateMachine

extension Board {
    // MARK: - Issues

    /// Creates an issue in `state` (the caller checked it is a state of the project's tracker).
    /// Without `identifier` the next `KEY-N` of the project is allocated, and the identifier is
    /// also the tracker id.
    public func createIssue(
        in projectKey: String, _ new: NewIssue, state: String, identifier: String? = nil, externalId: String? = nil
    ) async throws -> IssueView {
        let title = new.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw APIError(.invalidValue, "an issue needs a title") }
        try Self.checkPriority(new.priority)
        return try await writeIssue { db, now in
            var project = try Self.requireProject(projectKey, db)
            let assigned: String
            if let identifier {
                assigned = identifier
            } else {
                assigned = "\(project.key)-\(try project.allocateNumber(db))"
            }
            var issue = IssueRecord(
                projectId: project.id ?? 0, identifier: assigned, title: title, description: new.description,
                priority: new.priority, trackerState: state, labels: new.labels, at: now)
            issue.externalId = externalId ?? assigned
            try issue.insert(db)
            for blocker in new.blockedBy { try Self.addBlocker(blocker, to: issue, db) }
            let change = BoardChangeRecord(
                kind: .issueCreated, projectId: project.id, issueId: issue.id, project: project.key, identifier: assigned,
                payload: jsonObject(["state": state, "title": title]), reconciled: false, at: now)
            return (issue.id ?? 0, change, [issue.id ?? 0])
        }
    }

    /// Edits tracker fields, labels and blockers. Refuses edits that change nothing.
    public func updateIssue(_ identifier: String, _ changes: IssueChanges) async throws -> IssueView {
        try Self.checkPriority(changes.priority)
        if let title = changes.title, title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError(.invalidValue, "an issue needs a title")
        }
        guard !changes.isEmpty else { throw APIError(.invalidValue, "nothing to change: give a field, a label or a blocker") }
        return try await writeIssue { db, now in
            var issue = try Self.requireIssue(identifier, db)
            let before = issue
            var fields: [String] = []
            if let title = changes.title?.trimmingCharacters(in: .whitespacesAndNewlines) { issue.title = title }
            if let description = changes.description { issue.description = description }
            if let priority = changes.priority { issue.priority = priority }
            if changes.clearPriority { issue.priority = nil }
            let removed = Set(IssueRecord.normalizedLabels(changes.removeLabels))
            issue.labels = IssueRecord.normalizedLabels(issue.labels.filter { !removed.contains($0) } + changes.addLabels)
            if issue.title != before.title { fields.append("title") }
            if issue.description != before.description { fields.append("description") }
            if issue.priority != before.priority { fields.append("priority") }
            if issue.labels != before.labels { fields.append("labels") }
            var blockersChanged = false
            for blocker in changes.removeBlockers {
                let other = try Self.requireIssue(blocker, db)
                guard try IssueBlockerRecord.deleteOne(db, key: ["issueId": issue.id, "blockerId": other.id]) else {
                    throw APIError(.invalidValue, "\(other.identifier) does not block \(issue.identifier)")
                }
                blockersChanged = true
            }
            for blocker in changes.addBlockers { blockersChanged = try Self.addBlocker(blocker, to: issue, db) || blockersChanged }
            if blockersChanged { fields.append("blockers") }
            guard !fields.isEmpty else { return (issue.id ?? 0, nil, []) }
            issue.updatedAt = now
            // Tracker fields only: lifecycle fields change through the transition entry point alone.
            try issue.update(db, columns: ["title", "description", "priority", "labels", "updatedAt"])
            let change = try Self.change(.issueUpdated, issue, ["fields": fields.joined(separator: " ")], db)
            return (issue.id ?? 0, change, [issue.id ?? 0])
        }
    }

    /// Moves an issue to a tracker state. With `expected`, an issue no longer in that state is
    /// left alone: a write-back never overrides a change made meanwhile.
    public func moveIssue(_ identifier: String, to state: String, ifCurrently expected: String? = nil) async throws -> IssueView {
        try await writeIssue { db, now in
            var issue = try Self.requireIssue(identifier, db)
            if let expected, normalizedTrackerState(issue.trackerState) != normalizedTrackerState(expected) {
                return (issue.id ?? 0, nil, [])
            }
            guard issue.trackerState != state else { return (issue.id ?? 0, nil, []) }
            let from = issue.trackerState
            issue.trackerState = state
            issue.updatedAt = now
            try issue.update(db, columns: ["trackerState", "updatedAt"])
            let change = try Self.change(.issueMoved, issue, ["from": from, "to": state], db)
            return (issue.id ?? 0, change, try Reconciler.affected(by: issue.id ?? 0, db))
        }
    }

    public func comment(_ identifier: String, body: String, author: String) async throws -> CommentView {
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.invalidValue, "a comment needs a body")
        }
        let author = author.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !author.isEmpty else { throw APIError(.invalidValue, "a comment needs an author") }
        return try await write { db, now in
            let issue = try Self.requireIssue(identifier, db)
            var comment = CommentRecord(issueId: issue.id ?? 0, author: author, body: body, at: now)
            try comment.insert(db)
            let stored = try CommentRecord.fetchOne(db, key: comment.id) ?? comment
            let change = try Self.change(.commentAdded, issue, ["comment_id": String(comment.id ?? 0), "author": author], db)
            return (ViewBuilding.comment(stored, issue: issue.identifier), change, [])
        }
    }

    /// Deletes an issue; issues it blocked are re-evaluated. The log keeps its history. An issue
    /// whose run is still live (an open session) is refused with `live_run`: its row and session
    /// are what lets the daemon count its slot and stop its agent ([api.md](api.md)); the Runtime
    /// API stops the run first.
    public func deleteIssue(_ identifier: String) async throws -> IssueView {
        try await write { db, now in
            let issue = try Self.requireIssue(identifier, db)
            try Self.refuseLiveRuns(of: [issue], db)
            let view = try ViewBuilding.issue(issue, db)
            let dependents = try IssueBlockerRecord.filter(Column("blockerId") == issue.id).fetchAll(db).map(\.issueId)
            let names = try IssueRecord.filter(keys: dependents).fetchAll(db).map(\.identifier).sorted()
            let change = try Self.change(.issueDeleted, issue, ["dependents": names.joined(separator: " ")], db)
            try issue.delete(db)
            return (view, change, dependents)
        }
    }

    // MARK: - Rules

    /// `live_run` when one of `issues` has an open session: its agent may still run.
    static func refuseLiveRuns(of issues: [IssueRecord], _ db: Database) throws {
        let ids = issues.compactMap(\.id)
        guard !ids.isEmpty else { return }
        let live = try Int64.fetchAll(db, SessionRecord.live.filter(ids.contains(Column("issueId"))).select(Column("issueId")))
        guard let first = live.first, let issue = issues.first(where: { $0.id == first }) else { return }
        throw APIError(
            .liveRun,
            "\(issue.identifier) still has a live agent run; cancel it (`maestro issue cancel \(issue.identifier)`) and delete once it stopped, "
                + "or, if no daemon runs, start `maestro run` so it can stop the agent")
    }

    static func checkPriority(_ priority: Int?) throws {
        if let priority, !(1...4).contains(priority) {
            throw APIError(.invalidValue, "priority must be 1 (urgent) to 4 (low), got \(priority)")
        }
    }

    /// Adds "blocked by `identifier`", refusing self-blocks and cycles. Returns false when the edge
    /// already existed.
    @discardableResult
    static func addBlocker(_ identifier: String, to issue: IssueRecord, _ db: Database) throws -> Bool {
        let blocker = try requireIssue(identifier, db)
        guard let issueId = issue.id, let blockerId = blocker.id else { return false }
        // A cycle exists when the new blocker is (transitively) blocked by this issue.
        if blockerId == issueId {
            throw APIError(.blockerCycle, "blockers would form a cycle: \(issue.identifier) -> \(issue.identifier)")
        }
        var frontier = [(blockerId, [issue.identifier, blocker.identifier])]
        var seen: Set<Int64> = [blockerId]
        while let (current, trail) = frontier.popLast() {
            for edge in try IssueBlockerRecord.filter(Column("issueId") == current).fetchAll(db) {
                let path = trail + [try IssueRecord.fetchOne(db, key: edge.blockerId)?.identifier ?? "?"]
                if edge.blockerId == issueId {
                    throw APIError(.blockerCycle, "blockers would form a cycle: \(path.joined(separator: " -> "))")
                }
                if seen.insert(edge.blockerId).inserted { frontier.append((edge.blockerId, path)) }
            }
        }
        try IssueBlockerRecord(issueId: issueId, blockerId: blockerId).insert(db, onConflict: .ignore)
        return db.changesCount > 0
    }

    static func change(_ kind: BoardChangeKind, _ issue: IssueRecord, _ details: [String: String], _ db: Database) throws
        -> BoardChangeRecord
    {
        let project = try ProjectRecord.fetchOne(db, key: issue.projectId)
        return BoardChangeRecord(
            kind: kind, projectId: issue.projectId, issueId: issue.id, project: project?.key, identifier: issue.identifier,
            payload: jsonObject(details), reconciled: false, at: Date())
    }
}
