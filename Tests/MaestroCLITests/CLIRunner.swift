import Dispatch
import Foundation
import Testing

/// Runs the real `maestro` executable built beside the test bundle.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("maestro")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/maestro")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `maestro` with `arguments` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> Result {
        try await execute(executable, arguments, in: directory ?? packageRoot, environment: nil)
    }

    /// Runs a program to its end. The blocking waits happen on dispatch threads, never on the Swift
    /// concurrency pool, so tests running meanwhile (and their timers) are not starved.
    static func execute(_ program: URL, _ arguments: [String], in directory: URL, environment: [String: String]?, input: Data? = nil)
        async throws -> Result
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = program
                    process.arguments = arguments
                    process.currentDirectoryURL = directory
                    if let environment { process.environment = environment }
                    let out = Pipe()
                    let err = Pipe()
                    process.standardOutput = out
                    process.standardError = err
                    let stdin = Pipe()
                    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
                    try process.run()
                    if let input {
                        // Written from its own queue so a large input cannot block on a full pipe.
                        DispatchQueue.global().async {
                            stdin.fileHandleForWriting.write(input)
                            try? stdin.fileHandleForWriting.close()
                        }
                    }
                    // Both pipes drain at once so neither can fill up and stall the child.
                    let group = DispatchGroup()
                    nonisolated(unsafe) var stderr = Data()
                    group.enter()
                    DispatchQueue.global().async {
                        stderr = err.fileHandleForReading.readDataToEndOfFile()
                        group.leave()
                    }
                    let stdout = out.fileHandleForReading.readDataToEndOfFile()
                    group.wait()
                    process.waitUntilExit()
                    continuation.resume(
                        returning: Result(
                            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                            stderr: String(decoding: stderr, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
