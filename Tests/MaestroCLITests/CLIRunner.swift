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

    /// Runs a program to its end. Nothing blocks a thread while it runs: its output goes to files
    /// and its exit arrives through `terminationHandler`. (On Linux, dispatch threads blocked in
    /// pipe reads come out of the pool the Swift concurrency executor uses, and a few of them
    /// stalled every test running meanwhile.) `input`, when given, is its standard input;
    /// otherwise it reads `/dev/null`.
    static func execute(_ program: URL, _ arguments: [String], in directory: URL, environment: [String: String]?, input: Data? = nil)
        async throws -> Result
    {
        // Parameterized tests run their cases at once; unthrottled, dozens of debug `maestro`
        // processes on two cores starve the timing of every other test.
        await ProcessSlots.shared.acquire()
        do {
            let result = try await collect(program, arguments, in: directory, environment: environment, input: input)
            await ProcessSlots.shared.release()
            return result
        } catch {
            await ProcessSlots.shared.release()
            throw error
        }
    }

    private static func collect(_ program: URL, _ arguments: [String], in directory: URL, environment: [String: String]?, input: Data?)
        async throws -> Result
    {
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let files = ["out", "err", "in"].map { scratch.appendingPathComponent($0) }
        for file in files { FileManager.default.createFile(atPath: file.path, contents: nil) }
        if let input { try input.write(to: files[2]) }
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if let environment { process.environment = environment }
        let out = try FileHandle(forWritingTo: files[0])
        let err = try FileHandle(forWritingTo: files[1])
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : try FileHandle(forReadingFrom: files[2])
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? out.close()
        try? err.close()
        return Result(
            status: status, stdout: String(decoding: (try? Data(contentsOf: files[0])) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: files[1])) ?? Data(), as: UTF8.self))
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension Process {
    /// Waits until the process has exited, looking every 50 ms: `waitUntilExit()` would hold a
    /// thread of the pool the tests' tasks run on.
    func exited() async {
        while isRunning { try? await Task.sleep(for: .milliseconds(50)) }
    }
}

/// A limit on the programs the CLI tests run at once.
actor ProcessSlots {
    static let shared = ProcessSlots(limit: 4)

    private let limit: Int
    private var used = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        guard used >= limit else {
            used += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot to the next waiter, if any.
    func release() {
        if waiting.isEmpty { used -= 1 } else { waiting.removeFirst().resume() }
    }
}
