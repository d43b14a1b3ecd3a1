public import Foundation
internal import Subprocess
public import WorkflowParser
internal import Runtime

#if canImport(System)
    internal import System
#else
    internal import SystemPackage
#endif

/// What `maestro doctor` learns about `codex.command` without starting a turn: which program it
/// runs and that program's version.
public struct CodexDiagnosis: Sendable, Hashable {
    /// The command's first word.
    public var program: String
    /// Where `bash -lc 'command -v …'` found it; `nil` when it was not found or the shell did not
    /// answer in time.
    public var resolved: String?
    /// The login shell did not finish the lookup within ``probeTimeout``: a profile that hangs (a
    /// stale lock file, an unreachable mount) holds up every agent and hook start the same way.
    public var lookupTimedOut = false
    /// `codex-cli 0.163.0` → `0.163.0`; `nil` when `--version` said nothing recognisable.
    public var version: String?
    /// The command runs maestro's own demo agent.
    public var isDemoAgent: Bool

    /// How long each `bash -lc` probe may take.
    public static let probeTimeout: Duration = .seconds(10)

    /// Finds the program and asks its version, each within `timeout`.
    public static func examine(_ codex: WorkflowConfig.Codex, environment: [String: String], timeout: Duration = probeTimeout) async
        -> CodexDiagnosis
    {
        let program = firstWord(of: codex.command)
        var diagnosis = CodexDiagnosis(program: program, resolved: nil, version: nil, isDemoAgent: codex.command.contains(" demo-agent"))
        let quoted = "'" + program.replacingOccurrences(of: "'", with: "'\\''") + "'"
        switch await shell("command -v -- \(quoted)", environment: environment, timeout: timeout) {
        case .timedOut:
            diagnosis.lookupTimedOut = true
            return diagnosis
        case .failed:
            return diagnosis
        case .output(let found):
            diagnosis.resolved = found.split(separator: "\n").first.map(String.init)
        }
        guard diagnosis.resolved != nil, !diagnosis.isDemoAgent,
            case .output(let output) = await shell("\(quoted) --version", environment: environment, timeout: timeout)
        else {
            return diagnosis
        }
        diagnosis.version = output.split(whereSeparator: \.isWhitespace).first { $0.first?.isNumber == true }.map(String.init)
        return diagnosis
    }

    /// Starts `codex.command` in a scratch directory, completes the handshake and asks for an
    /// ephemeral thread with the configured approval policy and sandbox. `nil` when the server
    /// accepted them; otherwise what went wrong, in one line.
    public static func policyProblem(_ codex: WorkflowConfig.Codex, environment: [String: String]) async -> String? {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-doctor-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let request = CodexRunRequest(
            issueIdentifier: "doctor", issueTitle: "policy check", workspacePath: scratch, workspaceRoot: scratch, prompt: "", codex: codex,
            environment: environment)
        let runner = CodexRunner(request: request)
        async let outcome = runner.checkPolicies()
        for await _ in runner.events {}
        switch await outcome.ending {
        case .finished, .maxTurnsReached: return nil
        case .failed(.responseError(let method, _, let message)): return "\(method) was refused: \(message)"
        case .failed(.responseTimeout(let method)): return "no answer to \(method) within \(codex.readTimeoutMs) ms"
        case .failed(let error): return "\(error)"
        case .cancelled, .stopped: return "the check was stopped before Codex answered"
        }
    }

    /// The program a shell command line starts with, its quotes removed (`'/opt/my codex' app-server`
    /// → `/opt/my codex`). Enough for the commands people write; `bash` still runs the real line.
    public static func firstWord(of command: String) -> String {
        var word = ""
        var quote: Character?
        var escaped = false
        for character in command.drop(while: \.isWhitespace) {
            if escaped {
                word.append(character)
                escaped = false
            } else if character == "\\" && quote != "'" {
                escaped = true
            } else if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character.isWhitespace {
                break
            } else {
                word.append(character)
            }
        }
        return word
    }

    enum ShellAnswer: Equatable {
        /// Standard output, trimmed, of a run that exited 0.
        case output(String)
        case failed
        case timedOut
    }

    /// Runs `bash -lc script` for at most `timeout`.
    static func shell(_ script: String, environment: [String: String], timeout: Duration) async -> ShellAnswer {
        let keys = Dictionary(
            environment.compactMap { key, value in Environment.Key(rawValue: key).map { ($0, value) } }, uniquingKeysWith: { first, _ in first })
        do {
            let run = try await withTimeout(timeout) {
                try await Subprocess.run(
                    .path(FilePath("/bin/bash")), arguments: ["-lc", script], environment: .custom(keys), input: .none,
                    output: .string(limit: 64 << 10), error: .discarded)
            }
            guard let run else { return .timedOut }
            guard run.terminationStatus.isSuccess else { return .failed }
            return .output(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return .failed
        }
    }
}
