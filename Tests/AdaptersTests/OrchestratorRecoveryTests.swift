import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing
import WorkflowParser

/// Start-up recovery: orphaned agents are killed by recorded pid and start time, their issues move on
/// through `interrupted`, and terminal issues' workspaces are removed.
@Suite struct OrchestratorRecoveryTests {
    @Test func anOrphanedAgentIsKilledAndItsIssueInterrupted() async throws {
        let harness = try OrchestratorHarness()
        defer { harness.cleanup() }
        try await harness.project()
        let issue = try await harness.add("a")
        let machine = await harness.source.current.machine
        for event in [LifecycleEvent.dispatch, .workspaceReady] {
            _ = try await TransitionStore.apply(event, to: issue.id!, in: harness.store, machine: machine)
        }
        // A stand-in for an agent a dead daemon left behind, leading its own process group.
        let orphan = Process()
        orphan.executableURL = URL(fileURLWithPath: "/bin/sh")
        orphan.arguments = ["-c", "sleep 60 & wait"]
        try orphan.run()
        let pid = orphan.processIdentifier
        setpgid(pid, pid)
        let startTime = try #require(ProcessGroup.startTime(of: pid))
        try await harness.store.write { db in
            var session = SessionRecord(issueId: issue.id!, phase: .implementation, at: Date())
            session.pid = pid
            session.processStartTime = startTime
            session.threadId = "019a0000-0000-7000-8000-000000000001"
            try session.insert(db)
        }
        let report = try await harness.orchestrator.recover()
        #expect(report.orphansKilled == 1)
        #expect(report.interrupted == ["MAE-1"])
        orphan.waitUntilExit()
        #expect(orphan.terminationReason == .uncaughtSignal)
        let session = try await harness.store.read { db in try SessionRecord.fetchOne(db) }
        #expect(session?.endedAt != nil && session?.outcome?.hasPrefix("interrupted") == true)
        let after = try await harness.issue("MAE-1")
        #expect(after.lifecycleState == .queued && after.phase == .implementation)
        #expect(try await harness.log("MAE-1").last?.payloadObject["reason"] == "daemon restarted")
    }

    @Test func aRecordedPidWithAnotherStartTimeIsNotKilled() async throws {
        let harness = try OrchestratorHarness()
        defer { harness.cleanup() }
        try await harness.project()
        let issue = try await harness.add("a")
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["30"]
        try bystander.run()
        defer { bystander.terminate() }
        try await harness.store.write { db in
            var session = SessionRecord(issueId: issue.id!, phase: .implementation, at: Date())
            session.pid = bystander.processIdentifier
            session.processStartTime = (ProcessGroup.startTime(of: bystander.processIdentifier) ?? 0) + 1  // a reused pid
            try session.insert(db)
        }
        let report = try await harness.orchestrator.recover()
        #expect(report.orphansKilled == 0)
        #expect(bystander.isRunning)
    }

    @Test func workspacesOfTerminalIssuesAreRemovedAtStart() async throws {
        let harness = try OrchestratorHarness()
        defer { harness.cleanup() }
        try await harness.project()
        try await harness.add("finished", state: "done")
        try await harness.add("open")
        for identifier in ["MAE-1", "MAE-2"] {
            try FileManager.default.createDirectory(atPath: harness.workspaceRoot + "/" + identifier, withIntermediateDirectories: true)
        }
        let report = try await harness.orchestrator.recover()
        #expect(report.workspacesRemoved == 1)
        #expect(!FileManager.default.fileExists(atPath: harness.workspaceRoot + "/MAE-1"))
        #expect(FileManager.default.fileExists(atPath: harness.workspaceRoot + "/MAE-2"))
    }
}
