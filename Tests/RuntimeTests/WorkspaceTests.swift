import Foundation
import Runtime
import Testing
import WorkflowParser

/// Symphony §17.2: workspaces and hooks, on real directories and real `sh` processes.
@Suite struct WorkspaceTests {
    struct Sandbox {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-ws-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }
        /// The default timeout is long: only the timeout test wants one to fire, and a loaded test run
        /// can leave a hook's output unread (and the hook blocked on a full pipe) for seconds.
        func manager(
            afterCreate: String? = nil, beforeRun: String? = nil, afterRun: String? = nil, beforeRemove: String? = nil,
            timeoutMs: Int = 120_000
        ) -> WorkspaceManager {
            WorkspaceManager(
                root: root.appendingPathComponent("workspaces").path,
                hooks: WorkflowConfig.Hooks(
                    afterCreate: afterCreate, beforeRun: beforeRun, afterRun: afterRun, beforeRemove: beforeRemove, timeoutMs: timeoutMs),
                environment: ["PATH": "/usr/bin:/bin", "HOME": root.path])
        }
        func cleanup() { try? FileManager.default.removeItem(at: root) }
    }

    @Test func keysAreSanitizedWithAHashOnlyWhenSanitizingChangedThem() {
        #expect(WorkspaceManager.key(for: "MAE-12") == "MAE-12")
        #expect(WorkspaceManager.key(for: "a.b_c-9") == "a.b_c-9")
        let slash = WorkspaceManager.key(for: "team/42")
        let space = WorkspaceManager.key(for: "team 42")
        #expect(slash.hasPrefix("team_42--") && slash.count == "team_42--".count + 16)
        #expect(space.hasPrefix("team_42--"))
        #expect(slash != space, "identifiers that sanitize alike must get distinct keys")
        #expect(WorkspaceManager.key(for: "team/42") == slash, "keys are deterministic")
        #expect(WorkspaceManager.key(for: "..").hasPrefix("..--"))
        #expect(slash.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
    }

    @Test func createsOnceThenReusesWithAfterCreateOnlyOnCreation() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager(afterCreate: "echo created >> hooks.log", beforeRun: "echo before >> hooks.log")
        let first = try await manager.prepare(identifier: "MAE-1", hookEnvironment: [:])
        #expect(first.createdNow)
        #expect(first.path == sandbox.root.appendingPathComponent("workspaces/MAE-1").path)
        #expect(first.hooks.map(\.hook) == ["after_create", "before_run"])
        try "keep".write(toFile: first.path + "/work.txt", atomically: true, encoding: .utf8)
        let second = try await manager.prepare(identifier: "MAE-1", hookEnvironment: [:])
        #expect(!second.createdNow)
        #expect(second.hooks.map(\.hook) == ["before_run"])
        #expect(try String(contentsOfFile: first.path + "/hooks.log", encoding: .utf8) == "created\nbefore\nbefore\n")
        #expect(FileManager.default.fileExists(atPath: first.path + "/work.txt"), "a reused workspace is not reset")
    }

    @Test func afterCreateFailureAbortsAndRemovesTheNewDirectory() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager(afterCreate: "echo nope >&2; exit 3")
        await #expect {
            try await manager.prepare(identifier: "MAE-2", hookEnvironment: [:])
        } throws: { error in
            guard case WorkspaceError.hookFailed(let result) = error else { return false }
            return result.status == .failed(exitCode: 3) && result.output == "nope"
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("workspaces/MAE-2").path))
    }

    @Test func beforeRunFailureAbortsTheAttemptButKeepsTheWorkspace() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager(beforeRun: "exit 1")
        await #expect(throws: WorkspaceError.self) { try await manager.prepare(identifier: "MAE-3", hookEnvironment: [:]) }
        #expect(FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("workspaces/MAE-3").path))
    }

    @Test func afterRunAndBeforeRemoveFailuresAreReportedAndIgnored() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager(afterRun: "exit 4", beforeRemove: "exit 5")
        let prepared = try await manager.prepare(identifier: "MAE-4", hookEnvironment: [:])
        let afterRun = try #require(await manager.afterRun(identifier: "MAE-4", hookEnvironment: [:]))
        #expect(afterRun.status == .failed(exitCode: 4))
        let beforeRemove = try #require(await manager.remove(identifier: "MAE-4", hookEnvironment: [:]))
        #expect(beforeRemove.status == .failed(exitCode: 5))
        #expect(!FileManager.default.fileExists(atPath: prepared.path), "removal proceeds after a failed before_remove")
        #expect(await manager.remove(identifier: "MAE-4", hookEnvironment: [:]) == nil, "removing a missing workspace is a no-op")
    }

    @Test func aFileAtTheWorkspacePathIsAnErrorAndLeftAlone() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager()
        let path = sandbox.root.appendingPathComponent("workspaces/MAE-5").path
        try FileManager.default.createDirectory(atPath: sandbox.root.appendingPathComponent("workspaces").path, withIntermediateDirectories: true)
        try "not a directory".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: WorkspaceError.notADirectory(path)) { try await manager.prepare(identifier: "MAE-5", hookEnvironment: [:]) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a directory")
    }

    @Test func aSymlinkLeavingTheRootIsRejected() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager()
        let outside = sandbox.root.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: manager.root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: manager.root + "/MAE-6", withDestinationPath: outside.path)
        await #expect(throws: WorkspaceError.outsideRoot(path: manager.root + "/MAE-6", root: manager.root)) {
            try await manager.prepare(identifier: "MAE-6", hookEnvironment: [:])
        }
        #expect(throws: WorkspaceError.self) { try manager.checkContained(sandbox.root.path) }
        #expect(throws: WorkspaceError.self) { try manager.checkContained(manager.root) }
    }

    @Test func hooksGetTheWorkspaceAsCwdAndTheDocumentedEnvironment() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager(
            afterCreate: "pwd > env.txt; echo $MAESTRO_ISSUE_IDENTIFIER $MAESTRO_ISSUE_ID >> env.txt; echo $MAESTRO_WORKSPACE_ROOT >> env.txt")
        let prepared = try await manager.prepare(identifier: "MAE-7", hookEnvironment: ["MAESTRO_ISSUE_ID": "7"])
        let lines = try String(contentsOfFile: prepared.path + "/env.txt", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == [prepared.path, "MAE-7 7", manager.root])
    }

    @Test func aHookPastItsTimeoutIsKilledWithItsChildren() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let marker = sandbox.root.appendingPathComponent("child.pid").path
        let manager = sandbox.manager(beforeRun: "sleep 30 & echo $! > \(marker); wait", timeoutMs: 300)
        await #expect {
            try await manager.prepare(identifier: "MAE-8", hookEnvironment: [:])
        } throws: { error in
            guard case WorkspaceError.hookFailed(let result) = error else { return false }
            return result.status == .timedOut
        }
        let child = try #require(Int32(try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The background child was in the hook's process group, so it died with it.
        var alive = true
        for _ in 0..<100 where alive {
            alive = ProcessGroup.startTime(of: child) != nil
            if alive { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(!alive, "the hook's child \(child) survived the timeout")
    }

    @Test func hookOutputIsTruncated() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        let manager = sandbox.manager(afterCreate: "head -c 200000 /dev/zero | tr '\\0' x")
        let prepared = try await manager.prepare(identifier: "MAE-9", hookEnvironment: [:])
        let output = try #require(prepared.hooks.first?.output)
        #expect(output.hasPrefix(String(repeating: "x", count: 100)))
        #expect(output.hasSuffix("(\(200_000 - HookRunner.outputLimit) more bytes)"))
        #expect(prepared.hooks.first?.summary.count ?? 0 < 600)
    }
}
