import Foundation
public import Runtime
import Synchronization

/// A remote tracker held in memory, behind the same ``BoardProvider`` seam as Linear: its issues
/// live here, and reach the store only when the runtime refreshes them. Tests change issues "in
/// the tracker", make requests fail, and count requests.
public final class InMemoryTracker: BoardProvider {
    public let board: Board
    public let kind: String
    public let states: [String]
    private let state = Mutex((issues: [String: TrackerSnapshot](), refreshes: 0, refreshedIds: [String](), writes: 0, failing: false))

    /// Whether the tracker lets maestro delete its issues (Linear does not).
    public let deletes: Bool

    public init(
        board: Board, kind: String = "memory", states: [String] = ["todo", "in_progress", "human_review", "done", "cancelled"],
        deletes: Bool = true
    ) {
        self.board = board
        self.kind = kind
        self.states = states
        self.deletes = deletes
    }

    public var secretEnvironmentNames: [String] { ["MEMORY_TRACKER_TOKEN"] }

    // MARK: - The tracker's side

    /// Puts or replaces an issue in the tracker (not in the store: a refresh brings it there).
    public func put(_ snapshot: TrackerSnapshot) {
        state.withLock { $0.issues[snapshot.externalId] = snapshot }
    }

    /// Changes an issue in the tracker.
    public func change(_ externalId: String, _ body: (inout TrackerSnapshot) -> Void) {
        state.withLock { state in
            guard var issue = state.issues[externalId] else { return }
            body(&issue)
            state.issues[externalId] = issue
        }
    }

    public func remove(_ externalId: String) { state.withLock { _ = $0.issues.removeValue(forKey: externalId) } }

    /// Makes every request fail until set back.
    public func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// Refresh requests so far, and the ids they asked for.
    public var refreshCount: Int { state.withLock { $0.refreshes } }
    public var refreshedIds: [String] { state.withLock { $0.refreshedIds } }
    /// Writes (moves, comments) so far.
    public var writeCount: Int { state.withLock { $0.writes } }

    public func snapshot(_ externalId: String) -> TrackerSnapshot? { state.withLock { $0.issues[externalId] } }

    /// Mirrors every issue of the tracker into `project` (a full sync).
    public func sync(into project: String) async throws {
        let issues = try request { $0.issues.values.sorted { $0.identifier < $1.identifier } }
        try await board.upsert(issues, in: project)
        let visible = Set(issues.map(\.externalId))
        let stored = try await board.visibleExternalIds(in: project)
        try await board.hide(externalIds: Array(stored.subtracting(visible)), in: project)
    }

    private struct Unavailable: Error, CustomStringConvertible {
        var description: String { "the tracker is unavailable (injected failure)" }
    }

    private func request<T>(
        _ body: (inout (issues: [String: TrackerSnapshot], refreshes: Int, refreshedIds: [String], writes: Int, failing: Bool)) -> T
    )
        throws -> T
    {
        try state.withLock { state in
            guard !state.failing else { throw Unavailable() }
            return body(&state)
        }
    }

    // MARK: - BoardProvider

    public func states(of project: ProjectView) async throws -> [String] { states }

    public func createProject(_ new: NewProject) async throws -> ProjectView {
        var new = new
        new.provider = kind
        return try await board.createProject(new)
    }

    public func deleteProject(_ project: ProjectView) async throws -> ProjectView {
        try await board.deleteProject(project.key)
    }

    public func createIssue(in project: ProjectView, _ new: NewIssue) async throws -> IssueView {
        let snapshot = try request { state -> TrackerSnapshot in
            let number = state.issues.count + 1
            let issue = TrackerSnapshot(
                externalId: "mem-\(number)", identifier: "\(project.key)-\(number)", title: new.title, description: new.description,
                priority: new.priority, state: new.state ?? states[0], labels: new.labels)
            state.issues[issue.externalId] = issue
            state.writes += 1
            return issue
        }
        try await board.upsert([snapshot], in: project.key)
        return try await RuntimeAPI(board: board, providers: Providers([self])).issue(snapshot.identifier)
    }

    public func updateIssue(_ issue: IssueView, _ changes: IssueChanges) async throws -> IssueView {
        throw APIError(.unsupportedByProvider, "the in-memory tracker does not edit issues")
    }

    public func moveIssue(_ issue: IssueView, to target: String, ifCurrently expected: String?) async throws -> IssueView {
        let moved = try request { state -> TrackerSnapshot? in
            guard var snapshot = state.issues[issue.id] else { return nil }
            if let expected, snapshot.state != expected { return nil }
            snapshot.state = target
            state.issues[issue.id] = snapshot
            state.writes += 1
            return snapshot
        }
        if let moved { try await board.upsert([moved], in: issue.project) }
        return try await RuntimeAPI(board: board, providers: Providers([self])).issue(issue.identifier)
    }

    public func comment(on issue: IssueView, body: String, author: String) async throws -> CommentView {
        _ = try request { $0.writes += 1 }
        return try await board.comment(issue.identifier, body: body, author: author)
    }

    public func deleteIssue(_ issue: IssueView) async throws -> IssueView {
        guard deletes else { throw APIError(.unsupportedByProvider, "the in-memory tracker does not delete issues") }
        let deleted = try await board.deleteIssue(issue.identifier)
        remove(issue.id)
        return deleted
    }

    public func refresh(_ issues: [IssueRef]) async throws {
        let found = try request { state -> [String: [TrackerSnapshot]] in
            state.refreshes += 1
            state.refreshedIds += issues.map(\.externalId)
            return Dictionary(grouping: issues.compactMap { ref in state.issues[ref.externalId].map { (ref.project, $0) } }, by: \.0)
                .mapValues { $0.map(\.1) }
        }
        for (project, snapshots) in found { try await board.upsert(snapshots, in: project) }
        let missing = Dictionary(
            grouping: issues.filter { ref in found[ref.project]?.contains { $0.externalId == ref.externalId } != true }, by: \.project)
        for (project, refs) in missing { try await board.hide(externalIds: refs.map(\.externalId), in: project) }
    }
}
