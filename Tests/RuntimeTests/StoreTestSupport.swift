import Foundation
import GRDB
import Runtime
@_exported import RuntimeTesting
import StateMachine
import Subprocess
import Testing
import WorkflowParser

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Runs a program to its end and returns its exit status and output (standard output and error
/// together). swift-subprocess waits without holding a thread of the pool tests run on.
func runProgram(_ program: URL, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let result = try await Subprocess.run(
        .path(FilePath(program.path)), arguments: Arguments(arguments), input: .none, output: .data(limit: 16 << 20),
        error: .combinedWithOutput)
    let status: Int32 =
        switch result.terminationStatus {
        case .exited(let code): code
        case .signaled(let signal): signal
        }
    return (status, String(decoding: result.standardOutput, as: UTF8.self))
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
