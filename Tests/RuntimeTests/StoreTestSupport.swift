import Foundation
import GRDB
import Runtime
@_exported import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

/// Runs a program to its end and returns its exit status and output (standard output and error
/// together, through a file). Its exit arrives through `terminationHandler`, so no thread of the
/// pool tests run on waits for it.
func runProgram(_ program: URL, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-program-\(UUID().uuidString).out")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    try? handle.close()
    return (status, String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self))
}

enum Fixtures {
    static let machine: CompiledMachine = {
        // The default kanban workflow: agent-free human review, no done phase.
        let workflow = try? WorkflowLoader.parse("---\ntracker:\n  kind: kanban\n---\nx\n", file: "t", baseDirectory: "/")
        return workflow!.machine
    }()

    /// Inserts a project and `count` issues in `todo`, returning the issues.
    @discardableResult
    static func seed(_ store: Store, issues count: Int, key: String = "T") async throws -> [IssueRecord] {
        try await store.write { db in
            var project = ProjectRecord(key: key, name: "project \(key)", description: nil, at: Date())
            try project.insert(db)
            return try (0..<count).map { index in
                let number = try project.allocateNumber(db)
                var issue = IssueRecord(
                    projectId: project.id!, identifier: "\(key)-\(number)", title: "issue \(index)", description: nil,
                    priority: nil, trackerState: "todo", labels: [], at: Date())
                try issue.insert(db)
                return issue
            }
        }
    }

    /// The built `maestro-bench` executable (the contention probe), beside the test bundle.
    static var benchExecutable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("maestro-bench")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/maestro-bench")
    }
}
