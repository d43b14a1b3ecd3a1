import Dispatch
import Foundation
public import Logging

/// The daemon's composition: the lock, recovery, and the loops that run until SIGINT or SIGTERM.
public struct Daemon: Sendable {
    public let orchestrator: Orchestrator
    public let store: Store
    public let source: WorkflowSource
    public let logger: Logger
    /// How often WORKFLOW.md is checked for edits.
    public var reloadInterval: Duration = .seconds(1)
    public var shutdownTimeout: Duration = .seconds(10)

    public init(orchestrator: Orchestrator, store: Store, source: WorkflowSource, logger: Logger) {
        self.orchestrator = orchestrator
        self.store = store
        self.source = source
        self.logger = logger
    }

    /// Recovers, then runs until `stop` yields (the CLI feeds it SIGINT and SIGTERM); then shuts
    /// down gracefully and returns.
    public func run(until stop: AsyncStream<Int32>) async throws {
        let report = try await orchestrator.recover()
        logger.info(
            "recovered",
            metadata: [
                "orphans_killed": "\(report.orphansKilled)", "interrupted": "\(report.interrupted.count)",
                "workspaces_removed": "\(report.workspacesRemoved)",
            ])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await ChangeWatcher(store: store).run() }
            group.addTask { await orchestrator.runJobs() }
            group.addTask { try await orchestrator.runEffects() }
            group.addTask { try await orchestrator.runScheduler() }
            group.addTask { try await watchWorkflow() }
            group.addTask {
                var signals = stop.makeAsyncIterator()
                if let signal = await signals.next() {
                    logger.info("shutting down", metadata: ["signal": "\(signal)"])
                }
                await orchestrator.shutDown(timeout: shutdownTimeout)
                throw ShutdownComplete()
            }
            do {
                while try await group.next() != nil {}
            } catch is ShutdownComplete {
                group.cancelAll()
            }
        }
    }

    private struct ShutdownComplete: Error {}

    /// Wakes the scheduler when WORKFLOW.md changes, so the tick reloads it.
    private func watchWorkflow() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: reloadInterval)
            if await source.fileChanged() { store.changes.notify() }
        }
    }

    /// SIGINT and SIGTERM as a stream; the default handlers are replaced so the daemon can stop
    /// gracefully.
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

/// Keeps the dispatch sources alive for the stream's lifetime. Dispatch sources are thread-safe, but
/// the overlay does not mark them Sendable.
private final class SignalSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
