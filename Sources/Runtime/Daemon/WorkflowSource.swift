public import Foundation
public import WorkflowParser

/// The daemon's current workflow: the last good load of WORKFLOW.md, reloaded when the file changes.
/// An invalid edit keeps the last good workflow and records the error; the daemon never stops for it.
public actor WorkflowSource {
    public let path: String
    private let environment: [String: String]
    public private(set) var current: Workflow
    /// Bumped on every applied reload; shown in logs and the dashboard.
    public private(set) var revision = 1
    /// The diagnostics of the last rejected edit, until a valid one replaces it.
    public private(set) var lastError: WorkflowError?
    private var fingerprint: Data?

    public init(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(WorkflowError) {
        self.path = path
        self.environment = environment
        current = try WorkflowLoader.load(path: path, environment: environment)
        fingerprint = FileManager.default.contents(atPath: path)
    }

    /// What a reload check found.
    public enum Change: Sendable {
        case unchanged
        case applied(revision: Int)
        case rejected(WorkflowError)
    }

    /// Re-reads the file; applies a valid change, keeps the last good workflow on an invalid one.
    public func reloadIfChanged() -> Change {
        let contents = FileManager.default.contents(atPath: path)
        guard contents != fingerprint else { return .unchanged }
        fingerprint = contents
        do {
            current = try WorkflowLoader.load(path: path, environment: environment)
            revision += 1
            lastError = nil
            return .applied(revision: revision)
        } catch {
            lastError = error
            return .rejected(error)
        }
    }
}

extension WorkflowSource {
    /// Whether the file differs from the last one read, without applying it.
    public func fileChanged() -> Bool {
        FileManager.default.contents(atPath: path) != fingerprint
    }
}
