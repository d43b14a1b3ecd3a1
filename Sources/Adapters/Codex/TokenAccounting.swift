import Runtime

/// Token counts of one Codex thread.
public struct TokenTotals: Sendable, Hashable, Codable {
    public var input: Int
    public var cachedInput: Int
    public var output: Int
    public var reasoningOutput: Int
    public var total: Int

    public init(input: Int = 0, cachedInput: Int = 0, output: Int = 0, reasoningOutput: Int = 0, total: Int = 0) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
        self.reasoningOutput = reasoningOutput
        self.total = total
    }

    public static let zero = TokenTotals()

    /// Reads a `TokenUsageBreakdown` (`inputTokens`, `cachedInputTokens`, …).
    init?(breakdown: JSONValue) {
        guard let input = breakdown["inputTokens"]?.intValue, let output = breakdown["outputTokens"]?.intValue else {
            return nil
        }
        self.init(
            input: input, cachedInput: breakdown["cachedInputTokens"]?.intValue ?? 0, output: output,
            reasoningOutput: breakdown["reasoningOutputTokens"]?.intValue ?? 0,
            total: breakdown["totalTokens"]?.intValue ?? input + output)
    }

    /// Field by field, the larger count.
    func fieldwiseMax(_ other: TokenTotals) -> TokenTotals {
        TokenTotals(
            input: max(input, other.input), cachedInput: max(cachedInput, other.cachedInput), output: max(output, other.output),
            reasoningOutput: max(reasoningOutput, other.reasoningOutput), total: max(total, other.total))
    }

    func subtracting(_ other: TokenTotals) -> TokenTotals {
        TokenTotals(
            input: input - other.input, cachedInput: cachedInput - other.cachedInput, output: output - other.output,
            reasoningOutput: reasoningOutput - other.reasoningOutput, total: total - other.total)
    }
}

/// A change of a thread's token totals.
public struct TokenUsageUpdate: Sendable, Hashable {
    /// The thread's absolute totals after this update; every field only ever grows.
    public var threadTotals: TokenTotals
    /// What this update added; never negative. Summing deltas across runs never double counts.
    public var delta: TokenTotals
    public var modelContextWindow: Int?
}

/// Turns `thread/tokenUsage/updated` into monotonic totals and deltas.
///
/// `tokenUsage.total` is absolute for the thread (it keeps growing across turns, and a resumed
/// thread reports its old total again), so the accountant keeps the largest total seen and reports
/// only growth. `tokenUsage.last` is ignored.
struct TokenAccountant {
    private(set) var totals: TokenTotals

    init(startingFrom totals: TokenTotals = .zero) {
        self.totals = totals
    }

    /// The update to report for `params`, or `nil` when nothing grew.
    mutating func observe(_ params: JSONValue) -> TokenUsageUpdate? {
        guard let usage = params["tokenUsage"], let reported = usage["total"].flatMap(TokenTotals.init(breakdown:)) else {
            return nil
        }
        let next = totals.fieldwiseMax(reported)
        guard next != totals else { return nil }
        let delta = next.subtracting(totals)
        totals = next
        return TokenUsageUpdate(threadTotals: next, delta: delta, modelContextWindow: usage["modelContextWindow"]?.intValue)
    }
}
