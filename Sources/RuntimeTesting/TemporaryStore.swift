public import Foundation
public import Runtime

/// A fresh temporary directory for a store on a real SQLite file, removed by ``cleanup()``.
public struct TemporaryStore: Sendable {
    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The database file's path.
    public var path: String { directory.appendingPathComponent("maestro.sqlite").path }

    /// Opens (creating on first use) the store. Each call opens its own pool, as another process would.
    public func open() throws -> Store { try Store.open(path: path) }

    /// Writes `text` into the directory (default `WORKFLOW.md`) and returns its path.
    @discardableResult
    public func write(_ text: String, to name: String = "WORKFLOW.md") throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    public func cleanup() { try? FileManager.default.removeItem(at: directory) }
}
