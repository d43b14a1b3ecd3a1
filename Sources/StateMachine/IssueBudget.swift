/// Per-issue limits across all of an issue's runs since the last time an operator lifted them:
/// an agent that never moves its issue on is stopped after this much, not re-dispatched forever.
/// `0` means no limit. The defaults are `agent.max_runs_per_issue: 20` and no turn or token limit.
public struct IssueBudget: Sendable, Hashable, Codable {
    public var maxRuns: Int
    public var maxTurns: Int
    public var maxTokens: Int

    public init(maxRuns: Int = 20, maxTurns: Int = 0, maxTokens: Int = 0) {
        self.maxRuns = maxRuns
        self.maxTurns = maxTurns
        self.maxTokens = maxTokens
    }

    /// No limit at all: the machine has no budget guards.
    public static let unlimited = IssueBudget(maxRuns: 0, maxTurns: 0, maxTokens: 0)

    /// Whether any limit is set.
    public var isLimited: Bool { maxRuns > 0 || maxTurns > 0 || maxTokens > 0 }

    /// Whether `usage` has reached a limit: no further run may start.
    public func isSpent(by usage: BudgetUsage) -> Bool {
        (maxRuns > 0 && usage.runs >= maxRuns) || (maxTurns > 0 && usage.turns >= maxTurns)
            || (maxTokens > 0 && usage.tokens >= maxTokens)
    }

    /// The usage that just reaches every set limit: the edge the machine's checks try.
    public var spentUsage: BudgetUsage { BudgetUsage(runs: maxRuns, turns: maxTurns, tokens: maxTokens) }

    /// The limits, in words: `20 runs, 1000000 tokens`.
    public var summary: String {
        var parts: [String] = []
        if maxRuns > 0 { parts.append("\(maxRuns) runs") }
        if maxTurns > 0 { parts.append("\(maxTurns) turns") }
        if maxTokens > 0 { parts.append("\(maxTokens) tokens") }
        return parts.isEmpty ? "no limit" : parts.joined(separator: ", ")
    }

    /// What was spent against which limit, for the operator: `21 runs of 20`.
    public func spentDescription(_ usage: BudgetUsage) -> String {
        var parts: [String] = []
        if maxRuns > 0, usage.runs >= maxRuns { parts.append("\(usage.runs) runs of \(maxRuns)") }
        if maxTurns > 0, usage.turns >= maxTurns { parts.append("\(usage.turns) turns of \(maxTurns)") }
        if maxTokens > 0, usage.tokens >= maxTokens { parts.append("\(usage.tokens) tokens of \(maxTokens)") }
        return "budget spent: " + parts.joined(separator: ", ")
            + "; `maestro issue retry` lifts it for as much again (agent.max_*_per_issue in WORKFLOW.md)"
    }
}

/// What an issue's runs have used since its budget was last lifted: runs started, turns, and tokens
/// (each thread's growth counted once).
public struct BudgetUsage: Sendable, Hashable, Codable {
    public var runs: Int
    public var turns: Int
    public var tokens: Int

    public init(runs: Int = 0, turns: Int = 0, tokens: Int = 0) {
        self.runs = runs
        self.turns = turns
        self.tokens = tokens
    }

    public static let zero = BudgetUsage()
}
