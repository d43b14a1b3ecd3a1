import Dispatch
import Foundation
public import Logging
public import ServiceLifecycle

/// The daemon's composition: recovery, then one `ServiceGroup` — the change watcher, the workflow
/// watcher, the orchestrator and whatever surfaces the caller adds (the HTTP listener, the MCP
/// endpoint) — until SIGINT or SIGTERM. The first signal shuts the group down gracefully (surfaces
/// first, then the orchestrator, which stops its runs); a second one cancels it.
public struct Daemon: Sendable {
    public let orchestrator: Orchestrator
    public let logger: Logger
    /// Surfaces that run beside the orchestrator; shut down before it.
    public var services: [any Service]
    /// How often WORKFLOW.md is checked for edits.
    public var reloadInterval: Duration = .seconds(1)
    /// How long shutdown waits for live runs before their issues are marked interrupted anyway.
    public var shutdownTimeout: Duration = .seconds(10)
    /// When set, the process exits (status 1) at the latest this long after the first signal,
    /// whatever still runs: the hard end of the documented shutdown bound. `nil` (the default, for
    /// daemons inside other processes such as tests) never ends the process.
    public var exitDeadline: Duration?

    public init(orchestrator: Orchestrator, services: [any Service] = [], logger: Logger) {
        self.orchestrator = orchestrator
        self.services = services
        self.logger = logger
    }

    /// Recovers, then runs until `signals` yields (the CLI feeds it SIGINT and SIGTERM); then shuts
    /// down gracefully and returns.
    public func run(until signals: AsyncStream<Int32>) async throws {
        let store = orchestrator.store
        // Before recovery reads the store: a CLI's commit from then on wakes the orchestrator.
        let baseline = try await ChangeWatcher.baseline(of: store)
        let report = try await orchestrator.recover()
        logger.info(
            "recovered",
            metadata: [
                "orphans_killed": "\(report.orphansKilled)", "interrupted": "\(report.interrupted.count)",
                "workspaces_removed": "\(report.workspacesRemoved)",
            ])
        let core: [any Service] = [
            ChangeWatcher(store: store, from: baseline),
            WorkflowWatcher(source: orchestrator.source, signal: store.changes, interval: reloadInterval),
            OrchestratorService(orchestrator: orchestrator, shutdownTimeout: shutdownTimeout),
        ]
        var configuration = ServiceGroupConfiguration(services: core + services, logger: logger)
        // Beyond the orchestrator's own bound (it marks runs interrupted after `shutdownTimeout`),
        // a few seconds for the rest, then cancellation.
        configuration.maximumGracefulShutdownDuration = Self.gracefulBound(shutdownTimeout)
        let group = ServiceGroup(configuration: configuration)
        let watchdog = ShutdownWatchdog()
        let exitDeadline = exitDeadline
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                var received = 0
                for await signal in signals {
                    received += 1
                    if received == 1 {
                        logger.info("shutting down", metadata: ["signal": "\(signal)"])
                        if let exitDeadline { watchdog.arm(after: exitDeadline, logger: logger) }
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.warning("second signal: stopping at once", metadata: ["signal": "\(signal)"])
                        throw ForcedStop()
                    }
                }
            }
            // The group ends after a graceful shutdown; the signal listener then has nothing to do.
            try await tasks.next()
            tasks.cancelAll()
        }
    }

    /// The graceful shutdown's bound: the wait for live runs, then a few seconds for the rest.
    public static func gracefulBound(_ shutdownTimeout: Duration) -> Duration { shutdownTimeout + .seconds(5) }

    /// A second signal arrived during the graceful shutdown: the group was cancelled.
    public struct ForcedStop: Error {}

    /// SIGINT and SIGTERM as a stream; the default handlers are replaced so the daemon can stop
    /// gracefully. Call it first thing, so that a signal during start-up is not lost.
    public static func terminationSignals() -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        let holder = SignalSources(sources)
        continuation.onTermination = { _ in holder.cancel() }
        return stream
    }
}

/// The orchestrator's loops as one service. On graceful shutdown it stops dispatching, stops its
/// runs and waits for them (bounded), then ends its loops.
public struct OrchestratorService: Service {
    public let orchestrator: Orchestrator
    public let shutdownTimeout: Duration

    public init(orchestrator: Orchestrator, shutdownTimeout: Duration = .seconds(10)) {
        self.orchestrator = orchestrator
        self.shutdownTimeout = shutdownTimeout
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await orchestrator.runJobs()
                return false
            }
            group.addTask {
                try await orchestrator.runEffects()
                return false
            }
            group.addTask {
                try await orchestrator.runScheduler()
                return false
            }
            group.addTask {
                await orchestrator.logTransitions()
                return false
            }
            group.addTask {
                try await gracefulShutdown()
                await orchestrator.shutDown(timeout: shutdownTimeout)
                await orchestrator.logNewTransitions()  // the shutdown's own, before the loops end
                return true
            }
            // The first to finish is the shutdown, or a loop that failed (its error propagates).
            _ = try await group.next()
            group.cancelAll()
        }
    }
}

/// Wakes the scheduler when WORKFLOW.md changes, so its next tick reloads it.
struct WorkflowWatcher: Service {
    let source: WorkflowSource
    let signal: ChangeSignal
    let interval: Duration

    func run() async throws {
        // Returns, never throws, on shutdown: the group rethrows a service's error, and a
        // cancelled sleep is not a failure.
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            if await source.fileChanged() { signal.notify() }
        }
    }
}

/// Keeps the dispatch sources alive for the stream's lifetime. Dispatch sources are thread-safe, but
/// the overlay does not mark them Sendable.
private final class SignalSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
