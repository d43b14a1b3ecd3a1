public import Foundation
import Synchronization

/// How the mirror of one remote-tracker project is doing: the `sync.projects` entries of the
/// runtime snapshot. A sync service (Linear's) writes it; the snapshot only reads it.
public struct TrackerSyncStatus: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        /// A pass is running.
        case syncing
        /// The last pass succeeded.
        case ok
        /// The last pass failed; the store keeps the last good copy.
        case failed
    }

    /// The project's key.
    public var project: String
    public var provider: String
    public var state: State
    /// Whether no pass has succeeded yet: the first sync of a project, shown with its progress.
    public var initial: Bool
    /// Issues read so far in the running pass, or in the last one.
    public var issues: Int
    /// Pages read so far in the running pass, or in the last one.
    public var pages: Int
    /// When the last pass succeeded.
    @Nullable public var lastSyncAt: Date?
    /// The last failure (`code: message`), kept until a pass succeeds.
    @Nullable public var lastError: String?
    /// While the tracker asks to slow down: when requests resume.
    @Nullable public var retryAt: Date?

    public init(project: String, provider: String) {
        self.project = project
        self.provider = provider
        state = .syncing
        initial = true
        issues = 0
        pages = 0
    }

    enum CodingKeys: String, CodingKey {
        case project, provider, state, initial, issues, pages
        case lastSyncAt = "last_sync_at"
        case lastError = "last_error"
        case retryAt = "retry_at"
    }
}

/// The `sync` object of the runtime snapshot: one entry per remote-tracker project, by key.
public struct TrackerSyncOverview: Codable, Sendable, Hashable {
    public var projects: [TrackerSyncStatus]

    public init(projects: [TrackerSyncStatus]) {
        self.projects = projects
    }
}

/// Where sync services record their progress for the runtime snapshot: a value shared by the
/// services and the orchestrator, read without waiting on either.
public final class TrackerSyncBoard: Sendable {
    private let statuses = Mutex([String: TrackerSyncStatus]())

    public init() {}

    /// Changes the status of `project` (created on first use).
    public func update(project: String, provider: String, _ change: (inout TrackerSyncStatus) -> Void) {
        statuses.withLock { statuses in
            var status = statuses[project] ?? TrackerSyncStatus(project: project, provider: provider)
            change(&status)
            statuses[project] = status
        }
    }

    /// Forgets a project (deleted, or no longer mirrored).
    public func remove(project: String) {
        _ = statuses.withLock { $0.removeValue(forKey: project) }
    }

    public func status(of project: String) -> TrackerSyncStatus? {
        statuses.withLock { $0[project] }
    }

    /// Every project's status by key; `nil` when nothing is mirrored.
    public var overview: TrackerSyncOverview? {
        let all = statuses.withLock { Array($0.values) }
        return all.isEmpty ? nil : TrackerSyncOverview(projects: all.sorted { $0.project < $1.project })
    }
}
