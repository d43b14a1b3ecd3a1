import Foundation
import GRDB
import StateMachine

extension RuntimeAPI {
    /// Deletes an issue. A live run is stopped first: the issue is cancelled through the daemon,
    /// and the row goes only once the run's agent is gone (its session closed), so the daemon
    /// never loses sight of a process it must count and stop. Without a daemon, an issue whose run
    /// was live when its daemon stopped is refused (`live_run`) until `maestro run` recovers it.
    ///
    /// - Parameter wait: how long to wait for the run to stop; then `live_run`.
    public func deleteIssue(_ identifier: String, wait: Duration = .seconds(30)) async throws(APIError) -> IssueView {
        let (issue, provider) = try await target(identifier)
        try await stopLiveRuns(of: [issue.identifier], wait: wait)
        return try await command { try await provider.deleteIssue(try await self.issue(issue.identifier)) }
    }

    /// Deletes a project with its issues, stopping their live runs first as ``deleteIssue(_:wait:)``
    /// does.
    public func deleteProject(_ keyOrName: String, wait: Duration = .seconds(30)) async throws(APIError) -> ProjectView {
        let project = try await project(keyOrName)
        let provider = try provider(for: project)
        let identifiers = try await read { db in
            try String.fetchAll(
                db, IssueRecord.filter(Column("projectId") == (try Board.requireProject(project.key, db).id)).select(Column("identifier")))
        }
        try await stopLiveRuns(of: identifiers, wait: wait)
        return try await command { try await provider.deleteProject(project) }
    }

    /// Cancels the issues among `identifiers` that have a live run and waits until every such run
    /// is gone. Throws `live_run` when no daemon can stop them, or when they outlast `wait`.
    private func stopLiveRuns(of identifiers: [String], wait: Duration) async throws(APIError) {
        var live = try await liveRuns(among: identifiers)
        guard !live.isEmpty else { return }
        guard self.live != nil || DaemonLock.liveHolder(databasePath: store.path) != nil else {
            throw Self.liveRunError(live[0], reason: "no daemon runs on this database; start `maestro run` so it can stop the agent")
        }
        let deadline = ContinuousClock.now + wait
        for identifier in live {
            // Rejected when the issue is already released and its run only still stopping: fine.
            _ = try await submit(.cancel, to: identifier, wait: max(.zero, min(.seconds(5), deadline - .now)))
        }
        while !live.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw Self.liveRunError(live[0], reason: "its agent did not stop within \(wait); try again")
            }
            // A run's end writes no row that wakes anyone (telemetry is quiet), so look again shortly.
            try? await Task.sleep(for: .milliseconds(50))
            live = try await liveRuns(among: live)
        }
    }

    /// The identifiers among `identifiers` whose issue has an open session.
    private func liveRuns(among identifiers: [String]) async throws(APIError) -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                IssueRecord.filter(identifiers.contains(Column("identifier")))
                    .filter(sql: "EXISTS (SELECT 1 FROM session WHERE session.issueId = issue.id AND session.endedAt IS NULL)")
                    .select(Column("identifier")).order(Column("identifier")))
        }
    }

    private static func liveRunError(_ identifier: String, reason: String) -> APIError {
        APIError(.liveRun, "\(identifier) still has a live agent run: \(reason)")
    }
}
