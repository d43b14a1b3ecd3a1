internal import Foundation
internal import Subprocess

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

#if canImport(System)
    internal import System
#else
    internal import SystemPackage
#endif

/// The workspace must exist and lie strictly inside the workspace root, symlinks resolved.
enum WorkspaceGuard {
    static func check(workspace: String, root: String) throws(CodexRunnerError) {
        guard workspace.hasPrefix("/"), root.hasPrefix("/") else {
            throw .invalidWorkspace("\(workspace) and \(root) must be absolute paths")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workspace, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .invalidWorkspace("\(workspace) is not a directory")
        }
        guard let resolvedWorkspace = realPath(workspace), let resolvedRoot = realPath(root) else {
            throw .invalidWorkspace("\(workspace) or \(root) cannot be resolved")
        }
        let prefix = resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/"
        guard resolvedWorkspace.hasPrefix(prefix), resolvedWorkspace.count > prefix.count else {
            throw .invalidWorkspace("\(workspace) is not inside the workspace root \(root)")
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

enum AppServerLaunch {
    /// The child's environment: the daemon's, minus every secret a tracker adapter declared.
    static func environment(_ base: [String: String], removing secrets: Set<String>) -> [String: String] {
        base.filter { !secrets.contains($0.key) }
    }

    /// `bash -lc <command>` in the workspace, leading its own process group so that one signal
    /// reaches every process the agent starts.
    static func configuration(command: String, workspace: String, environment: [String: String], terminateGrace: Duration)
        -> Configuration
    {
        var options = PlatformOptions()
        options.processGroupID = 0
        // Used only if the run's task is cancelled; a normal stop runs `CodexRunner`'s own sequence.
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: terminateGrace)]
        let keys = Dictionary(
            environment.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } },
            uniquingKeysWith: { first, _ in first })
        return Configuration(
            executable: .path(FilePath("/bin/bash")), arguments: Arguments(["-lc", command]), environment: .custom(keys),
            workingDirectory: FilePath(workspace), platformOptions: options)
    }
}

/// Finds and ends processes left in a session's process group after its leader exited (a command
/// the agent started in the background, say).
enum ProcessGroupSweep {
    /// Sends SIGTERM to the group if any live member remains, waits up to `grace`, then SIGKILL.
    static func clear(group: Int32, grace: Duration) async {
        guard !liveMembers(of: group).isEmpty else { return }
        kill(-group, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            if liveMembers(of: group).isEmpty { return }
        }
        kill(-group, SIGKILL)
    }

    /// Pids in process group `group` that are not zombies. Without `/proc` (not Linux), any
    /// signal-able member counts, which includes a not-yet-reaped leader.
    static func liveMembers(of group: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            return kill(-group, 0) == 0 ? [group] : []
        }
        return entries.compactMap { entry in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After the command name: state, ppid, pgrp, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", Int32(fields[2]) == group else { return nil }
            return pid
        }
    }
}

extension ProcessExit {
    init(_ status: TerminationStatus, stderrTail: [String]) {
        switch status {
        case .exited(let code): self.init(exitCode: code, signal: nil, stderrTail: stderrTail)
        case .signaled(let signal): self.init(exitCode: nil, signal: signal, stderrTail: stderrTail)
        }
    }
}
