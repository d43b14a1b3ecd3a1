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

extension ProcessExit {
    init(_ status: TerminationStatus, stderrTail: [String], stdoutTail: [String] = []) {
        switch status {
        case .exited(let code): self.init(exitCode: code, signal: nil, stderrTail: stderrTail, stdoutTail: stdoutTail)
        case .signaled(let signal): self.init(exitCode: nil, signal: signal, stderrTail: stderrTail, stdoutTail: stdoutTail)
        }
    }
}
