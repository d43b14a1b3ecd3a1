import Foundation
public import WorkflowParser

/// Why a workspace could not be used.
public enum WorkspaceError: Error, Sendable, Equatable, CustomStringConvertible {
    case outsideRoot(path: String, root: String)
    case notADirectory(String)
    case cannotCreate(path: String, reason: String)
    case hookFailed(HookResult)

    public var description: String {
        switch self {
        case .outsideRoot(let path, let root): "workspace \(path) resolves outside the workspace root \(root)"
        case .notADirectory(let path): "\(path) exists and is not a directory; maestro leaves it alone"
        case .cannotCreate(let path, let reason): "cannot create workspace \(path): \(reason)"
        case .hookFailed(let result):
            "\(result.hook) hook failed: \(result.status)" + (result.outputTail.isEmpty ? "" : ": \(result.outputTail)")
        }
    }
}

/// A prepared workspace.
public struct PreparedWorkspace: Sendable, Hashable {
    public var key: String
    public var path: String
    /// Whether this preparation created the directory (and so ran `after_create`).
    public var createdNow: Bool
    /// The hooks that ran, in order.
    public var hooks: [HookResult]
}

/// Per-issue workspaces under `workspace.root` (Symphony §9): deterministic keys, containment with
/// symlinks resolved, reuse across runs, and the four hooks.
public struct WorkspaceManager: Sendable {
    public let root: String
    public let hooks: WorkflowConfig.Hooks
    /// Environment for hooks (the daemon's, tracker secrets already removed).
    public let environment: [String: String]

    public init(root: String, hooks: WorkflowConfig.Hooks, environment: [String: String]) {
        self.root = root
        self.hooks = hooks
        self.environment = environment
    }

    private var runner: HookRunner { HookRunner(timeout: .milliseconds(hooks.timeoutMs)) }

    /// The workspace key: characters outside `[A-Za-z0-9._-]` become `_`; when that changed the
    /// identifier, `--` and 16 hex digits of a 64-bit FNV-1a hash of the original are appended, so
    /// identifiers that sanitize alike still get distinct keys (§4.2).
    public static func key(for identifier: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let sanitized = String(identifier.map { allowed.contains($0) ? $0 : "_" })
        guard sanitized != identifier || identifier.isEmpty || identifier == "." || identifier == ".." else {
            return sanitized
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in identifier.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return sanitized + "--" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The absolute path for an identifier, checked to resolve inside the root.
    public func path(for identifier: String) throws(WorkspaceError) -> String {
        let path = URL(fileURLWithPath: root).appendingPathComponent(Self.key(for: identifier)).path
        try checkContained(path)
        return path
    }

    /// Both the root and the workspace resolved (symlinks included); the workspace must lie strictly
    /// inside the root.
    public func checkContained(_ path: String) throws(WorkspaceError) {
        let resolvedRoot = Self.resolve(root)
        let resolvedPath = Self.resolve(path)
        let prefix = resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/"
        guard resolvedPath.hasPrefix(prefix), resolvedPath.count > prefix.count else {
            throw .outsideRoot(path: path, root: root)
        }
    }

    /// Creates or reuses the workspace, runs `after_create` when it was created (a failure removes the
    /// new directory) and `before_run` every time.
    public func prepare(identifier: String, hookEnvironment extra: [String: String]) async throws(WorkspaceError)
        -> PreparedWorkspace
    {
        let key = Self.key(for: identifier)
        let path = try path(for: identifier)
        var isDirectory: ObjCBool = false
        var createdNow = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notADirectory(path) }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw .cannotCreate(path: path, reason: error.localizedDescription)
            }
            createdNow = true
            try checkContained(path)
        }
        var results: [HookResult] = []
        let environment = hookEnvironment(identifier: identifier, path: path, extra: extra)
        if createdNow, let script = hooks.afterCreate {
            let result = await runner.run("after_create", script: script, in: path, environment: environment)
            results.append(result)
            if !result.succeeded {
                try? FileManager.default.removeItem(atPath: path)
                throw .hookFailed(result)
            }
        }
        if let script = hooks.beforeRun {
            let result = await runner.run("before_run", script: script, in: path, environment: environment)
            results.append(result)
            if !result.succeeded { throw .hookFailed(result) }
        }
        return PreparedWorkspace(key: key, path: path, createdNow: createdNow, hooks: results)
    }

    /// Runs `after_run` once an attempt ends; its failure is reported, never fatal.
    public func afterRun(identifier: String, hookEnvironment extra: [String: String]) async -> HookResult? {
        guard let script = hooks.afterRun, let path = try? path(for: identifier),
            FileManager.default.fileExists(atPath: path)
        else { return nil }
        return await runner.run(
            "after_run", script: script, in: path, environment: hookEnvironment(identifier: identifier, path: path, extra: extra))
    }

    /// Runs `before_remove` (failure ignored), then deletes the workspace. Missing is fine.
    @discardableResult
    public func remove(identifier: String, hookEnvironment extra: [String: String]) async -> HookResult? {
        guard let path = try? path(for: identifier) else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        var result: HookResult?
        if let script = hooks.beforeRemove {
            result = await runner.run(
                "before_remove", script: script, in: path, environment: hookEnvironment(identifier: identifier, path: path, extra: extra))
        }
        try? FileManager.default.removeItem(atPath: path)
        return result
    }

    /// The documented hook environment: the daemon's plus `MAESTRO_*` variables.
    private func hookEnvironment(identifier: String, path: String, extra: [String: String]) -> [String: String] {
        var values = environment
        values["MAESTRO_ISSUE_IDENTIFIER"] = identifier
        values["MAESTRO_WORKSPACE"] = path
        values["MAESTRO_WORKSPACE_ROOT"] = root
        for (key, value) in extra { values[key] = value }
        return values
    }

    private static func resolve(_ path: String) -> String {
        // Resolve the longest existing prefix, so a not-yet-created workspace is checked too.
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var missing: [String] = []
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" {
            missing.insert(url.lastPathComponent, at: 0)
            url.deleteLastPathComponent()
        }
        var resolved = url.path
        if let real = realpath(url.path, nil) {
            resolved = String(cString: real)
            free(real)
        }
        for component in missing { resolved = (resolved as NSString).appendingPathComponent(component) }
        return resolved
    }
}
