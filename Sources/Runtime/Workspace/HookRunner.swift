import Dispatch
import Foundation
import Subprocess
import Synchronization

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Kills a process group when a deadline passes, unless cancelled first.
private final class HookDeadline: Sendable {
    private let state = Mutex((cancelled: false, fired: false))

    init(group: Int32, after timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            // Checked and set under the lock: after `cancel()` the group may no longer be ours.
            self.state.withLock { state in
                // A hook that already exited (gone, or a zombie not yet reaped) did not time out, even
                // if reading its output is still catching up.
                guard !state.cancelled, ProcessGroup.startTime(of: group) != nil else { return }
                state.fired = true
                kill(-group, SIGKILL)
            }
        }
    }

    var fired: Bool { state.withLock { $0.fired } }

    func cancel() { state.withLock { $0.cancelled = true } }
}

/// The result of one hook run.
public struct HookResult: Sendable, Hashable {
    public enum Status: Sendable, Hashable, CustomStringConvertible {
        case succeeded
        case failed(exitCode: Int32)
        case signaled(Int32)
        case timedOut
        case launchFailed(String)

        /// In words, for logs and errors: `exited with code 7`.
        public var description: String {
            switch self {
            case .succeeded: "succeeded"
            case .failed(let code): "exited with code \(code)"
            case .signaled(let signal): "killed by signal \(signal)"
            case .timedOut: "timed out (hooks.timeout_ms)"
            case .launchFailed(let reason): "could not start: \(reason)"
            }
        }
    }

    public var hook: String
    public var status: Status
    /// Standard output then standard error, each truncated to ``HookRunner/outputLimit`` bytes.
    public var output: String
    public var duration: Duration

    public var succeeded: Bool { status == .succeeded }

    /// One line for logs: status and the output's tail, truncated.
    public var summary: String {
        "hook=\(hook) status=\(status) output=\"\(outputTail)\""
    }

    /// The end of what the hook printed (stdout then stderr), on one line: where a failing hook
    /// says why.
    public var outputTail: String {
        String(output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(400)).replacingOccurrences(of: "\n", with: " | ")
    }
}

/// Runs workspace hooks: `sh -lc <script>` with the workspace as cwd, in its own process group, killed
/// with the whole group when `hooks.timeout_ms` passes.
public struct HookRunner: Sendable {
    /// Output kept per stream.
    public static let outputLimit = 64 * 1024
    public let timeout: Duration

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    public func run(_ hook: String, script: String, in directory: String, environment: [String: String]) async -> HookResult {
        let clock = ContinuousClock()
        let start = clock.now
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(500))]
        let keys = Dictionary(
            environment.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } },
            uniquingKeysWith: { first, _ in first })
        let configuration = Configuration(
            executable: .path(FilePath("/bin/sh")), arguments: Arguments(["-lc", script]), environment: .custom(keys),
            workingDirectory: FilePath(directory), platformOptions: options)
        let timeout = timeout
        do {
            let result = try await Subprocess.run(configuration, input: .none, output: .sequence, error: .sequence) {
                execution -> (String, Bool) in
                // The deadline runs on a dispatch queue, not on the Swift concurrency pool, so a busy
                // pool cannot postpone killing a hook.
                let deadline = HookDeadline(group: execution.processIdentifier.value, after: timeout)
                defer { deadline.cancel() }
                async let standardOutput = Self.collect(execution.standardOutput)
                async let standardError = Self.collect(execution.standardError)
                let streams = await [standardOutput, standardError]
                return (streams.filter { !$0.isEmpty }.joined(separator: "\n"), deadline.fired)
            }
            let (output, timedOut) = result.closureResult
            let status: HookResult.Status
            if timedOut {
                status = .timedOut
            } else {
                switch result.terminationStatus {
                case .exited(0): status = .succeeded
                case .exited(let code): status = .failed(exitCode: code)
                case .signaled(let signal): status = .signaled(signal)
                }
            }
            return HookResult(hook: hook, status: status, output: output, duration: clock.now - start)
        } catch {
            return HookResult(hook: hook, status: .launchFailed("\(error)"), output: "", duration: clock.now - start)
        }
    }

    /// Reads a stream to its end, keeping the first ``outputLimit`` bytes.
    private static func collect(_ sequence: SubprocessOutputSequence) async -> String {
        var kept: [UInt8] = []
        var dropped = 0
        do {
            for try await buffer in sequence {
                buffer.withUnsafeBytes { bytes in
                    let room = max(0, outputLimit - kept.count)
                    kept.append(contentsOf: bytes.prefix(room))
                    dropped += max(0, bytes.count - room)
                }
            }
        } catch {}
        var text = String(decoding: kept, as: UTF8.self)
        if dropped > 0 { text += "\n… (\(dropped) more bytes)" }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
