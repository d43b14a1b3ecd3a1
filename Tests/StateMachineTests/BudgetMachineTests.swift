import StateMachine
import Testing

/// The budget guards of the pure machine: the runtime supplies the usage, the machine decides.
@Suite struct BudgetMachineTests {
    func machine(_ budget: IssueBudget) throws -> CompiledMachine {
        var policy = Policies.full
        policy.budget = budget
        return try CompiledMachine.compile(policy)
    }

    @Test func dispatchWithASpentBudgetBlocksTheIssue() throws {
        let machine = try machine(IssueBudget(maxRuns: 2))
        let within = machine.step(from: .queued, on: .dispatch, context: TransitionContext(usage: BudgetUsage(runs: 1)))
        #expect((try? within.get())?.transition.to == .workspace)
        let spent = try machine.step(from: .queued, on: .dispatch, context: TransitionContext(usage: BudgetUsage(runs: 2))).get()
        #expect(spent.transition.to == .blocked && spent.blockReason == .budgetExhausted)
        // Spent also without a slot: the block is the news, not the wait.
        let noSlot = try machine.step(
            from: .queued, on: .dispatch, context: TransitionContext(slotAvailable: false, usage: BudgetUsage(runs: 5))
        ).get()
        #expect(noSlot.transition.to == .blocked)
    }

    @Test func retryLiftsTheBudgetAndOtherCommandsDoNot() throws {
        let machine = try machine(IssueBudget(maxTurns: 10))
        let blocked = TransitionContext(blockReason: .budgetExhausted, usage: BudgetUsage(turns: 10))
        let retried = try machine.step(from: .blocked, on: .retryNow, context: blocked).get()
        #expect(retried.transition.to == .queued && retried.transition.effects == [.resetBudget])
        guard case .failure(let rejection) = machine.step(from: .blocked, on: .resume, context: blocked) else {
            Issue.record("resume lifted a budget block")
            return
        }
        #expect(rejection.code == "not_paused")
    }

    @Test func aRunEndThatStartsTheNextPhaseMindsTheBudget() throws {
        let machine = try machine(IssueBudget(maxTokens: 1_000))
        let context = TransitionContext(phase: .implementation, standing: .movedToReview, usage: BudgetUsage(tokens: 1_000))
        let step = try machine.step(from: .running, on: .runEnded, context: context).get()
        #expect(step.transition.to == .blocked && step.phase == .review && step.blockReason == .budgetExhausted)
        // A continuation goes through the queue, where dispatch checks it.
        let fits = try machine.step(from: .running, on: .runEnded, context: TransitionContext(usage: BudgetUsage(tokens: 1_000))).get()
        #expect(fits.transition.to == .retrying)
    }

    @Test func noLimitsMeanNoBudgetGuards() throws {
        let machine = try machine(.unlimited)
        let guards = machine.transitions.flatMap(\.guards)
        #expect(!guards.contains(.budgetLeft) && !guards.contains(.budgetExhausted))
        #expect(!machine.transitions.flatMap(\.effects).contains(.resetBudget))
        let huge = try machine.step(from: .queued, on: .dispatch, context: TransitionContext(usage: BudgetUsage(runs: 1_000_000))).get()
        #expect(huge.transition.to == .workspace)
    }

    @Test func theSpentDescriptionNamesTheLimitReached() {
        let budget = IssueBudget(maxRuns: 20, maxTurns: 0, maxTokens: 5_000)
        #expect(budget.summary == "20 runs, 5000 tokens")
        #expect(
            budget.spentDescription(BudgetUsage(runs: 3, turns: 40, tokens: 5_200))
                == "budget spent: 5200 tokens of 5000; `maestro issue retry` lifts it for as much again (agent.max_*_per_issue in WORKFLOW.md)")
    }
}
