import Foundation
import GRDB
import Logging
import StateMachine
import WorkflowParser

/// Linux process facts for telling a live agent from a reused pid.
public enum ProcessFacts {
    /// Field 22 of `/proc/<pid>/stat`: start time in clock ticks since boot; `nil` when gone.
    public static func startTime(of pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state (field 3) ... starttime (field 22) is index 19 here.
        guard fields.count > 19, fields[0] != "Z" else { return nil }
        return Int64(fields[19])
    }

    /// Terminates a process group: SIGTERM, a short grace, then SIGKILL.
    public static func terminateGroup(_ group: Int32, grace: Duration = .milliseconds(500)) async {
        guard kill(-group, 0) == 0 else { return }
        kill(-group, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, kill(-group, 0) == 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(-group, SIGKILL)
    }
}

extension Orchestrator {
    /// What start-up recovery did.
    public struct RecoveryReport: Sendable, Hashable {
        public var orphansKilled = 0
        public var interrupted: [String] = []
        public var workspacesRemoved = 0
    }

    /// Resumes from the database after a stop or a crash: kills agent processes a dead daemon left
    /// behind, moves every issue that had a live run on through `interrupted` (its thread resumes on
    /// the next run), and removes the workspaces of issues whose tracker state is terminal.
    public func recover() async throws -> RecoveryReport {
        var report = RecoveryReport()
        let workflow = await source.current
        let open = try await store.read { db in try SessionRecord.live.fetchAll(db) }
        for var session in open {
            if let pid = session.pid, let recorded = session.processStartTime, ProcessFacts.startTime(of: pid) == recorded {
                await ProcessFacts.terminateGroup(pid)
                report.orphansKilled += 1
                logger.warning(
                    "killed an orphaned agent", metadata: ["issue_id": "\(session.issueId)", "session_id": "\(session.id ?? 0)", "pid": "\(pid)"])
            }
            session.endedAt = Date()
            session.outcome = "interrupted: the daemon stopped during the run"
            try await store.write { [session] db in try session.update(db) }
        }
        for issue in try await store.read({ db in try IssueRecord.possiblyLive(db) }) {
            let outcome = try await apply(
                .interrupted, to: issue, machine: workflow.machine, expectedVersion: issue.version,
                payload: ["reason": "daemon restarted"])
            guard outcome.committed != nil else { continue }
            report.interrupted.append(issue.identifier)
            // The tracker may have moved while nobody watched (an agent handed off just before the
            // crash): route the issue by its standing now instead of repeating the interrupted phase.
            try await applyTrackerStanding(issueId: issue.id ?? 0, event: .trackerUpdated, workflow: workflow) { $0 != .fitsPhase }
        }
        do {
            let terminal = try await tracker.fetchIssues(inStates: workflow.config.tracker.terminalStates)
            let manager = workspaces(workflow)
            for snapshot in terminal {
                if let path = try? manager.path(for: snapshot.identifier), FileManager.default.fileExists(atPath: path) {
                    await manager.remove(identifier: snapshot.identifier, hookEnvironment: ["MAESTRO_ISSUE_ID": snapshot.id])
                    report.workspacesRemoved += 1
                }
            }
        } catch {
            logger.warning("startup cleanup could not list terminal issues; continuing", metadata: ["error": "\(error)"])
        }
        return report
    }
}
