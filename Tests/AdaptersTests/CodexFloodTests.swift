import Foundation
import Runtime
import RuntimeTesting
import Testing
import WorkflowParser

@testable import Adapters

/// Hostile agents: output that floods, output that is not the protocol, and exits that must say
/// what the process printed.
@Suite struct CodexFloodTests {
    /// An agent that writes garbage as fast as it can used to be read forever, every line an event
    /// queued without bound. Now the run fails at once with a clear reason, and what the consumer
    /// receives stays bounded even when it is slow.
    @Test func aFloodOfGarbageFailsTheRunWithAClearReason() async throws {
        let received = Tally()
        let run = try await runFake(
            "spew",
            react: { _, _ in
                received.add()
                try? await Task.sleep(for: .milliseconds(1))  // a slow consumer
            })
        defer { run.workspace.remove() }
        guard case .failed(let error) = run.outcome.ending, case .malformedOutput(let count, let window, let last) = error else {
            Issue.record("expected malformed_output, got \(run.outcome.ending)")
            return
        }
        #expect(count == 200 && window == 256 && last == "garbage")
        #expect(error.category == "malformed_output")
        #expect(error.description.hasPrefix("the agent's output is not the app-server protocol: 200 of its last 256 lines"))
        let malformed = run.all { if case .malformedLine(let line) = $0 { line } else { nil } }
        #expect(malformed.count == 200, "nothing is reported after the verdict")
        #expect(run.events.count < 1_000, "events: \(run.events.count)")
        if let started = run.record.first(where: { $0.event == "started" }), let pid = started.fields["pid"]?.intValue {
            #expect(!processIsAlive(Int32(pid)), "the flooding process is gone")
        }
    }

    /// A stderr flood is held in the agent's pipe while the consumer is slow, and the turn's idle
    /// timeout (stderr is not protocol activity) still ends the run.
    @Test func aStderrFloodDoesNotPostponeTheTurnTimeout() async throws {
        let run = try await runFake(
            "spew-stderr", configure: { $0.codex.turnTimeoutMs = 1_500 }, react: { _, _ in try? await Task.sleep(for: .milliseconds(1)) })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .failed(.turnTimeout))
        #expect(run.kinds.contains(.diagnostic("warning: something noisy")))
        if let started = run.record.first(where: { $0.event == "started" }), let pid = started.fields["pid"]?.intValue {
            #expect(!processIsAlive(Int32(pid)))
        }
    }

    /// `app-server exited (code 2)` and nothing else used to be all that was left of a command that
    /// printed its reason on stdout; now the last lines of both streams are kept in the error.
    @Test func anExitSaysWhatTheProcessPrintedOnBothStreams() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let command = "echo 'usage: codex app-server [OPTIONS]'; echo 'error: unexpected argument --bogus' >&2; exit 2"
        let request = CodexRunRequest(
            issueIdentifier: "ABC-1", issueTitle: "t", workspacePath: workspace.workspace.path, workspaceRoot: workspace.root.path,
            prompt: "p", codex: CodexFixtures.codex(command: command),
            environment: try workspace.isolatedEnvironment(ProcessInfo.processInfo.environment))
        let runner = CodexRunner(request: request, options: fastOptions)
        async let outcome = runner.run()
        for await _ in runner.events {}
        guard case .failed(let error) = await outcome.ending, case .processExited(let exit) = error else {
            Issue.record("expected a process exit, got \(await outcome.ending)")
            return
        }
        #expect(exit.exitCode == 2)
        #expect(exit.stderrTail == ["error: unexpected argument --bogus"])
        #expect(exit.stdoutTail == ["usage: codex app-server [OPTIONS]"])
        #expect(
            error.description
                == "app-server exited (code 2): error: unexpected argument --bogus; stdout: usage: codex app-server [OPTIONS]")
    }

    // MARK: - The pieces, as values

    @Test func theGaugeTripsOnMostlyGarbageButNotOnOccasionalNoise() {
        var noisy = OutputGauge()
        for index in 0..<10_000 {
            let tripped = noisy.record(index % 3 == 0 ? MalformedLine(reason: "not_json", byteCount: 4, excerpt: "note") : nil)
            #expect(!tripped)
        }
        #expect(noisy.tail.count == OutputGauge.tailLimit)
        var garbage = OutputGauge()
        for index in 1...OutputGauge.threshold {
            let tripped = garbage.record(MalformedLine(reason: "not_json", byteCount: 7, excerpt: "garbage \(index)"))
            #expect(tripped == (index == OutputGauge.threshold))
        }
        #expect(garbage.tail.last == "garbage 200")
    }

    @Test func theQueueHoldsItsSourceUntilTheConsumerCatchesUp() async {
        let queue = BoundedQueue<Int>(capacity: 3)
        for value in 0..<5 { queue.push(value) }
        #expect(queue.count == 5, "a push never drops")
        let roomed = Tally()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.waitForRoom()
                roomed.add()
            }
            try? await Task.sleep(for: .milliseconds(50))
            #expect(roomed.count == 0, "no room while 5 of 3 wait")
            #expect(await queue.next() == 0)
            #expect(await queue.next() == 1)
            #expect(await queue.next() == 2)
            await group.waitForAll()
        }
        #expect(roomed.count == 1)
        queue.finish()
        #expect(await queue.next() == 3 && queue.count == 1)
        #expect(await queue.next() == 4)
        #expect(await queue.next() == nil)
        queue.push(9)
        #expect(queue.count == 0, "ignored after finish")
        await queue.waitForRoom()
    }

    @Test func aWaitingConsumerIsResumedByAPushAndByCancellation() async {
        let queue = BoundedQueue<String>(capacity: 1)
        async let first = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.push("hello")
        #expect(await first == "hello")
        let cancelled = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        #expect(await cancelled.value == nil)
    }

    @Test func lineRateLimitsCountWhatTheySkip() {
        var limit = LineRateLimit(limit: 2, window: .seconds(10))
        let start = ContinuousClock.now
        #expect(limit.admit(at: start) == (true, 0))
        #expect(limit.admit(at: start + .seconds(1)) == (true, 0))
        #expect(limit.admit(at: start + .seconds(2)) == (false, 0))
        #expect(limit.admit(at: start + .seconds(3)) == (false, 0))
        #expect(limit.admit(at: start + .seconds(11)) == (true, 2), "the next window says how many were skipped")
        #expect(limit.admit(at: start + .seconds(12)) == (true, 0))
        #expect(limit.admit(at: start + .seconds(13)) == (false, 0))
        #expect(limit.takeSuppressed() == 1 && limit.takeSuppressed() == 0)
    }
}

/// A count shared with concurrent closures.
