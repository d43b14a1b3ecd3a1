import Foundation
import Logging
import Runtime
import RuntimeTesting
import ServiceLifecycle
import StateMachine
import Testing
import WorkflowParser

/// The live snapshot surfaces show: what runs, what waits, what it cost.
@Suite struct RuntimeSnapshotTests {
    @Test func theSnapshotShowsRunsRetriesBlocksTotalsAndRateLimits() async throws {
        let limits: JSONValue = ["primary": ["used_percent": .double(42)], "plan_type": "pro"]
        let harness = try await RuntimeHarness(
            """
            agent:
              max_retry_backoff_ms: 600000
            """
        ) { request in
            switch request.title {
            case "runs":
                [.tokens(input: 120, output: 30), .rateLimits(limits), .activity("item/agentMessage", message: "working on it"), .wait(.seconds(60))]
            case "fails": [.fail("exit 2: boom")]
            default: [.ask(id: "a1", question: "Deploy?", options: ["yes", "no"]), .awaitAnswers]
            }
        }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("runs")
            try await harness.add("fails")
            try await harness.add("asks")
            try await harness.eventually("one running, one retrying, one blocked") {
                let snapshot = try await harness.api.snapshot()
                return snapshot.counts.running >= 1 && snapshot.counts.retrying == 1 && snapshot.counts.blocked == 1
                    && snapshot.rateLimits != nil && snapshot.running.contains { $0.lastMessage == "working on it" }
            }
            let snapshot = try await harness.api.snapshot()
            let running = try #require(snapshot.running.first { $0.issueIdentifier == "MEM-1" })
            #expect(running.tokens == TokenView(inputTokens: 120, outputTokens: 30, totalTokens: 150))
            #expect(running.lifecycleState == .running && running.phase == .implementation && running.turnCount == 1)
            #expect(running.state == "in_progress", "claimed in the tracker")
            #expect(running.issueId == "mem-1")
            let retrying = try #require(snapshot.retrying.first)
            #expect(retrying.issueIdentifier == "MEM-2" && retrying.attempt == 1 && retrying.error == "exit 2: boom")
            #expect(retrying.dueAt.map { $0 > snapshot.generatedAt } == true)
            let blocked = try #require(snapshot.blocked.first)
            #expect(blocked.reason == .inputRequired)
            #expect(blocked.requests.map(\.summary) == ["Deploy?"])
            #expect(blocked.requests.first?.accepts == ["yes", "no"])
            #expect(snapshot.rateLimits == limits)
            #expect(snapshot.codexTotals.totalTokens >= 150)
            #expect(snapshot.codexTotals.secondsRunning > 0)
            #expect(snapshot.workflow.revision == 1 && snapshot.workflow.lastReloadErrors.isEmpty)
            // Symphony's field names, in the one JSON vocabulary.
            let json = try MaestroJSON.text(snapshot)
            for key in [
                "\"generated_at\"", "\"codex_totals\"", "\"seconds_running\"", "\"rate_limits\"", "\"issue_identifier\"", "\"turn_count\"",
                "\"last_event_at\"", "\"due_at\"", "\"input_tokens\"",
            ] {
                #expect(json.contains(key), "missing \(key)")
            }
        }
    }

    /// The state route's duty under dispatch: the live snapshot neither queues behind the
    /// orchestrator's own work nor waits for the store's writer.
    @Test func theSnapshotAnswersWhileTheOrchestratorAndTheWriterAreHeld() async throws {
        let harness = try await RuntimeHarness { _ in [.activity("item/agentMessage", message: "still here"), .wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("runs")
            try await harness.eventually("the run") { try await harness.api.snapshot().running.first?.lastMessage == "still here" }
            let release = DispatchSemaphore(value: 0)
            let held = Tally()
            let first = try await withThrowingTaskGroup(of: SnapshotOutcome.self) { group in
                // Whatever happens, the held ones go before the group waits for them.
                defer {
                    release.signal()
                    release.signal()
                }
                group.addTask {
                    try await harness.store.write { _ in
                        held.add()
                        release.wait()
                    }
                    return .released
                }
                group.addTask {
                    await harness.orchestrator.occupy(held: held, until: release)
                    return .released
                }
                try await harness.eventually("the writer and the orchestrator held") { held.count == 2 }
                group.addTask { .answered(try await harness.api.snapshot()) }
                group.addTask {
                    try? await Task.sleep(for: .seconds(30))
                    return .timedOut
                }
                // The held ones end only after the release: the first is the answer or the timeout.
                let first = try await group.next()
                group.cancelAll()
                return first
            }
            guard case .answered(let snapshot) = first else {
                Issue.record("the snapshot waited for the orchestrator or the writer: \(String(describing: first))")
                return
            }
            #expect(snapshot.running.map(\.lastMessage) == ["still here"])
        }
    }

    enum SnapshotOutcome: Sendable {
        case answered(RuntimeSnapshot)
        case timedOut
        case released
    }

    @Test func aBrokenEditShowsInTheSnapshotAndTheLastGoodWorkflowStays() async throws {
        let harness = try await RuntimeHarness()
        defer { harness.cleanup() }
        try await harness.running {
            try harness.temporary.write("---\ntracker:\n  kind: kanban\nagent:\n  max_turns: 0\n---\nx\n")
            _ = try await harness.api.refresh()
            try await harness.eventually("the rejected edit") { try await !harness.api.snapshot().workflow.lastReloadErrors.isEmpty }
            let status = try await harness.api.snapshot().workflow
            #expect(status.revision == 1)
            #expect(status.lastReloadErrors.first?.code == .invalidConfigValue)
            #expect(status.lastReloadErrors.first?.line == 5)
        }
    }
}

extension Orchestrator {
    /// Holds the orchestrator's isolation, as a burst of its own work would, until `release`.
    fileprivate func occupy(held: Tally, until release: DispatchSemaphore) {
        held.add()
        release.wait()
    }
}

/// The daemon as a `ServiceGroup`: surfaces plug in as services and stop before the orchestrator.
@Suite struct DaemonServiceTests {
    /// Records when the group asked it to shut down.
    struct Surface: Service {
        let events: AsyncStream<String>.Continuation

        func run() async throws {
            events.yield("started")
            try? await gracefulShutdown()
            events.yield("shutting down")
        }
    }

    @Test func aSignalShutsTheGroupDownGracefullyAndInterruptsLiveRuns() async throws {
        let harness = try await RuntimeHarness { _ in [.wait(.seconds(60))] }
        defer { harness.cleanup() }
        let (events, sink) = AsyncStream.makeStream(of: String.self)
        let (signals, signal) = AsyncStream.makeStream(of: Int32.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        var daemon = Daemon(orchestrator: harness.orchestrator, services: [Surface(events: sink)], logger: logger)
        daemon.shutdownTimeout = .seconds(5)
        let configured = daemon
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await configured.run(until: signals) }
            try await harness.add("long run")
            try await harness.eventually("the run") { harness.runner.liveRuns == 1 }
            signal.yield(SIGTERM)
            try await group.next()
        }
        sink.finish()
        var seen: [String] = []
        for await event in events { seen.append(event) }
        #expect(seen == ["started", "shutting down"])
        #expect(harness.runner.liveRuns == 0)
        #expect(harness.runner.records.first?.stopRequested == true)
        let history = try await harness.history("MEM-1")
        #expect(history.last == "interrupted running->queued", "\(history)")
    }
}
