import Foundation
import Subprocess
import Testing

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

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

    /// An empty home shared by the programs the CLI tests start.
    static let home: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-cli-home-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// This process's environment for a child `maestro`, with `MAESTRO_DB` removed, `HOME` moved to
    /// ``home`` and `overrides` applied. The agents a daemon starts run in `bash -l`, which would
    /// read the user's profile: here root's runs `pyenv rehash` under a lock file, and an agent
    /// killed inside it leaves the lock behind, so every later login shell waits 60 s for it.
    static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MAESTRO_DB"] = nil
        environment["HOME"] = home.path
        environment.merge(overrides) { _, override in override }
        return environment
    }

    /// Runs `maestro` with `arguments` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> Result {
        try await execute(executable, arguments, in: directory ?? packageRoot, environment: environment())
    }

    /// Runs a program to its end. swift-subprocess waits on the child and its pipes without
    /// holding a thread: on Linux, dispatch threads blocked in reads come out of the same pool the
    /// Swift concurrency executor uses, and a few of them stall every test running meanwhile.
    /// `input`, when given, is the child's standard input; otherwise it reads `/dev/null`.
    static func execute(_ program: URL, _ arguments: [String], in directory: URL, environment: [String: String]?, input: Data? = nil)
        async throws -> Result
    {
        var env = Environment.inherit
        if let environment {
            env = .custom(
                Dictionary(uniqueKeysWithValues: environment.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } }))
        }
        // Parameterized tests run their cases at once; unthrottled, dozens of debug `maestro`
        // processes on two cores starve the timing of every other test.
        await ProcessSlots.shared.acquire()
        do {
            let result =
                if let input {
                    try await collect(program, arguments, in: directory, environment: env, input: .data(input))
                } else {
                    try await collect(program, arguments, in: directory, environment: env, input: .none)
                }
            await ProcessSlots.shared.release()
            return result
        } catch {
            await ProcessSlots.shared.release()
            throw error
        }
    }

    private static func collect(
        _ program: URL, _ arguments: [String], in directory: URL, environment: Environment, input: some InputProtocol
    ) async throws -> Result {
        let outcome = try await Subprocess.run(
            .path(FilePath(program.path)), arguments: Arguments(arguments), environment: environment,
            workingDirectory: FilePath(directory.path), input: input, output: .data(limit: 64 << 20), error: .data(limit: 16 << 20))
        let status: Int32 =
            switch outcome.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): signal
            }
        return Result(
            status: status, stdout: String(decoding: outcome.standardOutput, as: UTF8.self),
            stderr: String(decoding: outcome.standardError, as: UTF8.self))
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
