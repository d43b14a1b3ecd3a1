/// Runs `body`, giving up after `limit`: returns its value, or `nil` when the time ran out first (the
/// body is then cancelled, and the call returns once it has ended). The one timeout helper of the
/// runtime and its adapters.
public func withTimeout<T: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
