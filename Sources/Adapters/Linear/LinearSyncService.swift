public import Foundation
public import Logging
public import Runtime
public import ServiceLifecycle
public import WorkflowParser

/// Keeps every Linear-backed project's mirror up to date: a pass over each project at start and
/// every `polling.interval_ms` (read from the workflow in force, so a reload applies), or sooner
/// when woken (a project created in this process). Runs in the daemon's service group, beside the
/// orchestrator; its writes reach the lifecycle through the daemon's board.
///
/// Progress and failures go to the runtime snapshot (``TrackerSyncBoard``) and the log. A failed
/// pass keeps the last good copy; a rate-limited one waits for the reset Linear announced.
public struct LinearSyncService: Service {
    public let provider: LinearProvider
    public let syncBoard: TrackerSyncBoard
    public let workflow: @Sendable () async -> Workflow
    public let logger: Logger

    public init(
        provider: LinearProvider, syncBoard: TrackerSyncBoard, workflow: @escaping @Sendable () async -> Workflow,
        logger: Logger = Logger(label: "maestro.linear")
    ) {
        self.provider = provider
        self.syncBoard = syncBoard
        self.workflow = workflow
        self.logger = logger
    }

    public func run() async throws {
        // Ends at graceful shutdown: a pass in flight is cancelled (each page's write is its own
        // transaction, so nothing half-written stays).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let woken = provider.wake.generation
                let workflow = await workflow()
                var next = Date().addingTimeInterval(Double(workflow.config.pollingIntervalMs) / 1000)
                do {
                    _ = try await provider.ensureProject(for: workflow)
                } catch {
                    logger.error("the workflow's Linear project is not mirrored yet", metadata: ["error": "\(error)"])
                }
                if let retryAt = await passOverProjects(states: linearFollowedStates(workflow)) { next = max(next, retryAt) }
                await Self.wait(provider.wake, after: woken, until: next)
            }
        }
    }

    /// Syncs every Linear-backed project once; returns when a rate limit allows the next pass.
    @discardableResult
    public func passOverProjects(states: [String]) async -> Date? {
        let projects: [ProjectView]
        do {
            projects = try await RuntimeAPI(board: provider.board, providers: Providers([provider])).projects().filter {
                $0.provider == provider.kind
            }
        } catch {
            logger.error("listing Linear projects failed", metadata: ["error": "\(error)"])
            return nil
        }
        let keys = Set(projects.map(\.key))
        for stale in syncBoard.overview?.projects.map(\.project) ?? [] where !keys.contains(stale) { syncBoard.remove(project: stale) }
        var resume: Date?
        for project in projects {
            guard !Task.isCancelled else { break }
            if let retryAt = await pass(project, states: states) { resume = max(resume ?? retryAt, retryAt) }
        }
        return resume
    }

    /// One project's pass, recorded in the sync board and the log.
    func pass(_ project: ProjectView, states: [String]) async -> Date? {
        let board = syncBoard
        let key = project.key
        let initial = board.status(of: key)?.initial ?? true
        board.update(project: key, provider: provider.kind) {
            $0.state = .syncing
            $0.issues = 0
            $0.pages = 0
        }
        if initial { logger.info("first sync of a Linear project", metadata: ["project": "\(key)", "states": "\(states.joined(separator: ", "))"]) }
        let logger = logger
        do {
            let report = try await provider.sync(project, states: states) { issues, pages in
                board.update(project: key, provider: "linear") {
                    $0.issues = issues
                    $0.pages = pages
                }
                if initial { logger.info("sync progress", metadata: ["project": "\(key)", "pages": "\(pages)", "issues": "\(issues)"]) }
            }
            board.update(project: key, provider: provider.kind) {
                $0.state = .ok
                $0.initial = false
                $0.issues = report.issues
                $0.pages = report.pages
                $0.lastSyncAt = Date()
                $0.lastError = nil
                $0.retryAt = nil
            }
            let level: Logger.Level = initial || report.leavers > 0 ? .info : .debug
            logger.log(
                level: level, "Linear sync done",
                metadata: ["project": "\(key)", "issues": "\(report.issues)", "pages": "\(report.pages)", "left": "\(report.leavers)"])
            return nil
        } catch {
            let described: APIError = (error as? LinearError)?.apiError ?? APIError.from(error)
            let retryAt = (error as? LinearError)?.retryAt
            board.update(project: key, provider: provider.kind) {
                $0.state = .failed
                $0.lastError = "\(described.code): \(described.message)"
                $0.retryAt = retryAt
            }
            if !Task.isCancelled {
                logger.error(
                    "Linear sync failed; keeping the last good copy",
                    metadata: ["project": "\(key)", "code": "\(described.code)", "error": "\(described.message)"])
            }
            return retryAt
        }
    }

    private static func wait(_ signal: ChangeSignal, after seen: UInt64, until deadline: Date) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(after: seen) }
            group.addTask { try? await Task.sleep(for: .milliseconds(Int64(max(0, deadline.timeIntervalSinceNow) * 1000))) }
            await group.next()
            group.cancelAll()
        }
    }
}
