/// At most ``limit`` lines per ``window`` go on; the rest are counted, and the count is handed
/// back when the next window opens so the caller can say how many it skipped. A value: the caller
/// passes the time.
struct LineRateLimit: Sendable, Hashable {
    var limit = 5
    var window: Duration = .seconds(10)
    private var windowStart: ContinuousClock.Instant?
    private var used = 0
    /// Lines refused in the current window.
    private(set) var suppressed = 0

    init(limit: Int = 5, window: Duration = .seconds(10)) {
        self.limit = limit
        self.window = window
    }

    /// Whether a line at `now` goes on, and how many were refused in the window that just closed.
    mutating func admit(at now: ContinuousClock.Instant) -> (admitted: Bool, skippedBefore: Int) {
        var skipped = 0
        if windowStart.map({ now - $0 >= window }) ?? true {
            skipped = suppressed
            windowStart = now
            used = 0
            suppressed = 0
        }
        guard used < limit else {
            suppressed += 1
            return (false, skipped)
        }
        used += 1
        return (true, skipped)
    }

    /// The lines refused since the last admitted window, cleared.
    mutating func takeSuppressed() -> Int {
        defer { suppressed = 0 }
        return suppressed
    }
}
