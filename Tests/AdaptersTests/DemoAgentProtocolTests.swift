import Adapters
import Foundation
import Runtime
import Synchronization
import Testing

/// maestro's own Codex runner against `maestro demo-agent` in a real process, with both sides of
/// the wire checked against the schema the real Codex 0.163.0 generates.
@Suite(.serialized, .enabled(if: RealCodex.shouldRun, RealCodex.skipReason))
struct DemoAgentProtocolTests {
    /// The kanban tools as the demo agent sees them, recording each call.
    final class BoardTools: AgentToolProvider {
        private let log = Mutex<[(String, JSONValue)]>([])
        var calls: [(String, JSONValue)] { log.withLock { $0 } }

        var toolSpecs: [AgentToolSpec] {
            ["kanban_move", "kanban_comment"].map {
                AgentToolSpec(name: $0, description: "test \($0)", inputSchema: ["type": "object", "properties": [:]])
            }
        }

        func execute(name: String, arguments: JSONValue) async -> AgentToolResult {
            log.withLock { $0.append((name, arguments)) }
            return .success("\(name) done")
        }
    }

    struct DemoRun {
        var outcome: RunOutcome
        var events: [RunnerEvent]
        var client: URL
        var server: URL
    }

    func run(
        _ prompt: String, in workspace: TestWorkspace, tools: BoardTools, capture: String,
        react: @escaping @Sendable (CodexRunner, RunnerEvent) async -> Void = { _, _ in }
    ) async throws -> DemoRun {
        let client = workspace.scratch.appendingPathComponent("\(capture)-client.jsonl")
        let server = workspace.scratch.appendingPathComponent("\(capture)-server.jsonl")
        let q = CodexFixtures.quoted
        let command = "tee -a \(q(client.path)) | \(q(DaemonEndToEndTests.maestro.path)) demo-agent --beat-ms 1 | tee -a \(q(server.path))"
        let request = CodexRunRequest(
            issueIdentifier: "DEMO-1", issueTitle: "Greet", workspacePath: workspace.workspace.path, workspaceRoot: workspace.root.path,
            prompt: prompt, codex: CodexFixtures.codex(command: command), maxTurns: 3,
            environment: try workspace.isolatedEnvironment(ProcessInfo.processInfo.environment))
        let runner = CodexRunner(request: request, tools: tools, options: fastOptions)
        async let outcome = runner.run()
        var events: [RunnerEvent] = []
        for await event in runner.events {
            events.append(event)
            await react(runner, event)
        }
        return DemoRun(outcome: await outcome, events: events, client: client, server: server)
    }

    @Test func aQuestionIsAnsweredAndTheIssueMovedAndEveryMessageFitsTheSchema() async throws {
        let workspace = try TestWorkspace(identifier: "DEMO-1")
        defer { workspace.remove() }
        let tools = BoardTools()
        let prompt = "demo.phase: implementation\ndemo.issue: DEMO-1\ndemo.title: Greet\ndemo.move_to: human_review\ndemo.labels: asks-question"
        let run = try await run(prompt, in: workspace, tools: tools, capture: "question") { runner, event in
            if case .operatorInputRequested(let pending) = event.kind {
                try? await runner.answer(pending.id, with: .answers(["greeting": ["Howdy"]]))
            }
        }
        #expect(run.outcome.ending == .finished, "\(run.outcome)")
        #expect(run.outcome.tokenTotals.total > 0)
        let note = try String(contentsOf: workspace.workspace.appendingPathComponent("DEMO-1.md"), encoding: .utf8)
        #expect(note.contains("The operator chose: Howdy"))
        #expect(tools.calls.map(\.0) == ["kanban_move"])
        #expect(tools.calls.first?.1 == ["state": "human_review"])
        try await CodexSchema.validate(client: run.client, server: run.server, side: "both")
    }

    @Test func aFailsOnceIssueFailsItsFirstRunAndPassesTheNext() async throws {
        let workspace = try TestWorkspace(identifier: "DEMO-2")
        defer { workspace.remove() }
        let prompt = "demo.issue: DEMO-2\ndemo.move_to: human_review\ndemo.labels: fails-once"
        let first = try await run(prompt, in: workspace, tools: BoardTools(), capture: "first")
        guard case .failed(.turnFailed(let error)) = first.outcome.ending else {
            Issue.record("the first run should fail its turn: \(first.outcome)")
            return
        }
        #expect(error?.message.contains("on purpose") == true)
        let tools = BoardTools()
        let second = try await run(prompt, in: workspace, tools: tools, capture: "second")
        #expect(second.outcome.ending == .finished, "\(second.outcome)")
        #expect(tools.calls.map(\.0) == ["kanban_move"])
        try await CodexSchema.validate(client: first.client, server: first.server, side: "both")
        try await CodexSchema.validate(client: second.client, server: second.server, side: "both")
    }

    @Test func aLongRunningTurnEndsInterruptedWhenTheRunnerCancelsIt() async throws {
        let workspace = try TestWorkspace(identifier: "DEMO-5")
        defer { workspace.remove() }
        let run = try await run("demo.issue: DEMO-5\ndemo.labels: long-running", in: workspace, tools: BoardTools(), capture: "cancel") {
            runner, event in
            if case .turnStarted = event.kind { try? await runner.interrupt() }
        }
        #expect(run.outcome.ending == .cancelled, "\(run.outcome)")
        #expect(!FileManager.default.fileExists(atPath: workspace.workspace.appendingPathComponent("DEMO-5.md").path))
        try await CodexSchema.validate(client: run.client, server: run.server, side: "both")
    }
}
