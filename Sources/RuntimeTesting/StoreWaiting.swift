public import Runtime

extension Store {
    /// Waits until `condition` holds: checked at once, after every change committed to the store,
    /// and every 50 ms besides (some conditions, such as a run's end, change no row). Returns
    /// `false` when `limit` passes first.
    public func waitUntil(upTo limit: Duration, _ condition: @escaping @Sendable () async throws -> Bool) async throws -> Bool {
        let changes = changes
        let reached = try await withTimeout(limit) {
            while true {
                let generation = changes.generation
                if try await condition() { return true }
                _ = try await withTimeout(.milliseconds(50)) { await changes.wait(after: generation) }
            }
        }
        return reached == true
    }
}
