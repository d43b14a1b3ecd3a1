import StateMachine
import Testing

@Suite struct RetryTests {
    @Test func failureBackoffDoublesFromTenSecondsUpToTheCap() throws {
        let machine = try CompiledMachine.compile(Policies.policy(.agent, done: true, retries: 20))
        var delays: [Int] = []
        var failures = 0
        for _ in 0..<8 {
            let step = try machine.step(from: .running, on: .runFailed, context: .init(failures: failures)).get()
            #expect(step.transition.to == .retrying)
            failures = step.failures
            delays.append(step.dueInMs ?? -1)
        }
        #expect(delays == [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000])
    }

    @Test func capComesFromThePolicy() {
        var policy = Policies.full
        policy.maxRetryBackoffMs = 25_000
        #expect((1...4).map(policy.retryDelayMs(failures:)) == [10_000, 20_000, 25_000, 25_000])
        #expect(policy.retryDelayMs(failures: 10_000) == 25_000)
    }

    @Test func normalRunEndContinuesAfterTheContinuationDelayAndResetsFailures() throws {
        let machine = try CompiledMachine.compile(Policies.full)
        let step = try machine.step(from: .running, on: .runEnded, context: .init(failures: 2)).get()
        #expect(step.transition.to == .retrying)
        #expect(step.dueInMs == 1_000)
        #expect(step.failures == 0)
    }

    @Test func exhaustedRetriesBlockUntilAnOperatorRetries() throws {
        let machine = try CompiledMachine.compile(Policies.policy(.agent, done: true, retries: 3))
        let blocked = try machine.step(from: .running, on: .runFailed, context: .init(failures: 3)).get()
        #expect(blocked.transition.to == .blocked)
        #expect(blocked.blockReason == .retriesExhausted)
        #expect(blocked.dueInMs == nil)
        #expect(blocked.failures == 4, "three retried failures and the one that exhausted them")
        let retried = try machine.step(
            from: .blocked, on: .retryNow, context: .init(failures: 3, blockReason: .retriesExhausted)
        ).get()
        #expect(retried.transition.to == .queued)
        #expect(retried.failures == 0)
        #expect(retried.blockReason == nil)
    }

    @Test func retryKeepsThePhaseOfTheFailedRun() throws {
        let machine = try CompiledMachine.compile(Policies.full)
        let failed = try machine.step(from: .done, on: .runFailed, context: .init(phase: .done)).get()
        #expect(failed.phase == .done)
        let due = try machine.step(from: .retrying, on: .retryDue, context: .init(phase: failed.phase)).get()
        let dispatched = try machine.step(from: due.transition.to, on: .dispatch, context: .init(phase: .done)).get()
        let ready = try machine.step(
            from: dispatched.transition.to, on: .workspaceReady, context: .init(phase: .done)
        ).get()
        #expect(ready.transition.to == .done)
        #expect(ready.transition.effects == [.startRun(.done)])
    }
}
