/// How much of an agent's recent stdout was not the protocol, as a value: a run whose output is
/// mostly not protocol messages (`codex.command` is not an app-server, or the agent went haywire)
/// is failed with a clear reason instead of being read forever. Also keeps the last such lines, so
/// a process that exits can say what it printed.
struct OutputGauge: Sendable, Hashable {
    /// The lines looked at: the most recent ones.
    static let window = 256
    /// This many lines of the window not being protocol messages fails the run.
    static let threshold = 200
    /// Lines kept for the exit report.
    static let tailLimit = 10

    private var recent: [Bool] = []
    private var next = 0
    private(set) var malformedInWindow = 0
    /// The last lines that were not protocol messages (their excerpts), oldest first.
    private(set) var tail: [String] = []

    /// Records one line: `nil` for a protocol message. Returns true when the window now holds
    /// ``threshold`` lines that were not.
    @discardableResult
    mutating func record(_ malformed: MalformedLine?) -> Bool {
        let bad = malformed != nil
        if recent.count < Self.window {
            recent.append(bad)
        } else {
            if recent[next] { malformedInWindow -= 1 }
            recent[next] = bad
            next = (next + 1) % Self.window
        }
        if bad { malformedInWindow += 1 }
        if let malformed {
            tail.append(malformed.excerpt.isEmpty ? "[\(malformed.byteCount) bytes, \(malformed.reason)]" : malformed.excerpt)
            if tail.count > Self.tailLimit { tail.removeFirst(tail.count - Self.tailLimit) }
        }
        return malformedInWindow >= Self.threshold
    }
}
