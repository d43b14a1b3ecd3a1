import Foundation
import Testing

/// A temporary working directory with its own database for `maestro project` and `maestro issue` runs.
///
/// The directory has no `WORKFLOW.md` unless a test writes one; children get ``CLI/environment(_:)``.
final class BoardSandbox {
    let directory: URL

    init() throws {
        directory = try CLI.temporaryDirectory()
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var database: String { directory.appendingPathComponent("m.sqlite").path }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `text` to `name` in the sandbox and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// Runs `maestro arguments --db <sandbox>/m.sqlite` (unless `db` is false) in the sandbox.
    func run(_ arguments: [String], db: Bool = true, environment: [String: String] = [:], input: Data? = nil) async throws -> CLI.Result {
        try await CLI.execute(
            CLI.executable, arguments + (db ? ["--db", database] : []), in: directory, environment: CLI.environment(environment), input: input)
    }

    /// Runs a command that must succeed; returns its standard output.
    @discardableResult
    func ok(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await run(arguments)
        #expect(result.status == 0, "maestro \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs a command with `--json` that must succeed; returns the decoded output.
    func json(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> Any {
        let result = try await run(arguments + ["--json"])
        #expect(result.status == 0, "maestro \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.isEmpty, sourceLocation: sourceLocation)
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// Runs a command with `--json` whose output is an object.
    func object(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let result = try await run(arguments + ["--json"])
        #expect(result.status == 0, "maestro \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    }
}

/// Replaces ISO 8601 timestamps (`2025-01-02T03:04:05.678Z`) with `<time>`.
func maskingTimes(_ text: String) -> String {
    text.replacing(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/, with: "<time>")
}

/// Whether `value` is a timestamp as the CLI prints it.
func isTimestamp(_ value: Any?) -> Bool {
    guard let text = value as? String else { return false }
    return text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil
}

/// The keys of a JSON object, sorted.
func keys(_ value: Any?) -> [String] {
    ((value as? [String: Any])?.keys).map { $0.sorted() } ?? []
}
