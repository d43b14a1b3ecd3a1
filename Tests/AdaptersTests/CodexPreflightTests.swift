import Adapters
import Foundation
import Runtime
import Testing
import WorkflowParser

/// The Codex check of `codex.command`: it must start and answer `initialize` in time.
@Suite struct CodexPreflightTests {
    func workflow(command: String, readTimeoutMs: Int = 5_000) throws -> (Workflow, TestWorkspace) {
        let workspace = try TestWorkspace()
        let text = """
            ---
            tracker:
              kind: kanban
            workspace:
              root: \(workspace.root.path)
            codex:
              command: "\(command.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))"
              read_timeout_ms: \(readTimeoutMs)
            ---
            Work.
            """
        return (try WorkflowLoader.parse(text, file: "WORKFLOW.md", baseDirectory: workspace.scratch.path), workspace)
    }

    func check(_ command: String, readTimeoutMs: Int = 5_000) async throws -> String? {
        let (workflow, workspace) = try workflow(command: command, readTimeoutMs: readTimeoutMs)
        defer { workspace.remove() }
        var options = CodexRunnerOptions()
        options.stdinCloseGrace = .milliseconds(500)
        options.terminateGrace = .milliseconds(500)
        return await CodexPreflight(options: options).check(
            workflow, environment: try workspace.isolatedEnvironment(ProcessInfo.processInfo.environment))
    }

    @Test func aWorkingAppServerPasses() async throws {
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: record) }
        #expect(try await check(CodexFixtures.fakeCommand(scenario: "quick", record: record)) == nil)
    }

    @Test func aMissingCommandIsNamed() async throws {
        let problem = try await check("maestro-no-such-codex app-server")
        #expect(problem?.hasPrefix("`maestro-no-such-codex app-server` was not found (exit 127: ") == true, "\(problem ?? "")")
    }

    @Test func aCommandThatFloodsGarbageIsNotTheProtocol() async throws {
        let problem = try await check("yes garbage", readTimeoutMs: 2_000)
        #expect(
            problem?.hasPrefix("`yes garbage` failed before answering initialize: the agent's output is not the app-server protocol") == true,
            "\(problem ?? "")")
    }

    @Test func aSilentCommandTimesOut() async throws {
        let problem = try await check("sleep 30", readTimeoutMs: 300)
        #expect(problem == "`sleep 30` did not answer initialize within 300 ms")
    }

    @Test func aCommandThatExitsSaysWhy() async throws {
        let problem = try await check("echo 'unknown subcommand: app-servr' >&2; exit 2")
        #expect(problem?.contains("app-server exited (code 2): unknown subcommand: app-servr") == true, "\(problem ?? "")")
    }
}
