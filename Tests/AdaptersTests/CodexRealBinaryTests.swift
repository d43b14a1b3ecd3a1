import Adapters
import Foundation
import Runtime
import Testing
import WorkflowParser

/// The runner against the real `codex app-server` 0.163.0, offline: its model is the loopback mock
/// in `Tests/Fixtures/codex/mock_model_server.py`. Every client message of every test is validated
/// against the JSON Schema the same binary generates.
@Suite(.serialized, .enabled(if: RealCodex.shouldRun, RealCodex.skipReason))
struct CodexRealBinaryTests {
    @Test func simpleTurnStreamsTheMessageAndReportsTokensAndRateLimits() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let run = try await MockModel.serving("simple-turn", scratch: workspace.scratch) { mock in
            try await runRealCodex(workspace: workspace, mock: mock)
        }
        #expect(run.outcome.ending == .finished && run.outcome.turns == 1)
        let session = try #require(run.first { if case .sessionStarted(let s) = $0 { s } else { nil } })
        #expect(session.model == "mock-model" && !session.resumed && session.process.startTimeTicks != nil)
        let deltas = run.all { if case .activity(let a) = $0, a.method == "item/agentMessage/delta" { a.count } else { nil } }
        #expect(deltas.reduce(0, +) == 2, "every delta is accounted for, bursts coalesced: \(deltas)")
        let turn = try #require(run.first { if case .turnCompleted(let t) = $0 { t } else { nil } })
        #expect(turn.status == .completed && turn.lastAgentMessage == "Hello" && turn.sessionID == "\(session.threadID)-\(turn.turnID)")
        #expect(run.outcome.tokenTotals == TokenTotals(input: 100, cachedInput: 20, output: 7, reasoningOutput: 2, total: 107))
        let limits = try #require(run.all { if case .rateLimits(let r) = $0 { r } else { nil } }.last)
        #expect(limits.primary?.usedPercent == 13 && limits.secondary?.windowDurationMinutes == 10_080)
        #expect(run.outcome.exit?.exitCode == 0)
        let names = try run.clientMessages().compactMap { $0["method"]?.stringValue }
        #expect(names == ["initialize", "initialized", "thread/start", "thread/name/set", "turn/start"])
        let prompt = run.modelRequests.first?["input"]?.arrayValue?.last?["content"]?[0]?["text"]?.stringValue
        #expect(prompt == "Implement ABC-1: fix the bug.")
    }

    @Test func dynamicToolCallRunsOnTheHostAndTheModelGetsTheResult() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let run = try await MockModel.serving("dynamic-tool", scratch: workspace.scratch) { mock in
            try await runRealCodex(workspace: workspace, mock: mock)
        }
        #expect(run.outcome.ending == .finished)
        let tools = run.modelRequests.first?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(tools.contains("kanban_get_issue") && tools.contains("slow_tool"), "dynamic tools are advertised to the model")
        let report = try #require(run.first { if case .toolCall(let r) = $0 { r } else { nil } })
        #expect(report.tool == "kanban_get_issue" && report.success && report.advertised && report.callID == "call_dyn1")
        let outputs = run.modelRequests.dropFirst().first?["input"]?.arrayValue?.filter { $0["type"] == "function_call_output" } ?? []
        #expect(outputs.first?["call_id"] == "call_dyn1")
        #expect(outputs.first?.compactText.contains("in_progress") == true, "the model sees the tool's text")
        #expect(run.outcome.tokenTotals.total == 141)
    }

    @Test func commandApprovalWaitsForTheOperatorAndTheCommandRuns() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let run = try await MockModel.serving("command-approval", scratch: workspace.scratch) { mock in
            try await runRealCodex(
                workspace: workspace, mock: mock, approvalPolicy: .string("on-request"),
                react: { runner, event in
                    guard case .operatorInputRequested(let pending) = event.kind else { return }
                    try? await runner.answer(pending.id, with: .approveForSession)
                })
        }
        let pending = try #require(run.first { if case .operatorInputRequested(let p) = $0 { p } else { nil } })
        #expect(pending.kind == .commandApproval && pending.summary.contains("touch approved.txt") && pending.summary.contains("Create a file?"))
        #expect(run.kinds.contains(.operatorRequestResolved(id: pending.id, answered: true)))
        #expect(run.outcome.ending == .finished)
        #expect(FileManager.default.fileExists(atPath: workspace.workspace.appendingPathComponent("approved.txt").path))
        let threadStart = try run.clientMessages().first { $0["method"] == "thread/start" }
        #expect(threadStart?["params"]?["approvalPolicy"] == "on-request")
    }

    @Test func aModelFailureEndsTheTurnFailedWithItsErrorInfo() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let run = try await MockModel.serving("failed-turn", scratch: workspace.scratch) { mock in
            try await runRealCodex(workspace: workspace, mock: mock)
        }
        guard case .failed(.turnFailed(let error)) = run.outcome.ending else {
            Issue.record("expected a failed turn, got \(run.outcome.ending)")
            return
        }
        #expect(error?.codexErrorInfo == "internalServerError")
        let report = try #require(run.first { if case .serverError(let r) = $0 { r } else { nil } })
        #expect(!report.willRetry && report.error.codexErrorInfo == "internalServerError")
    }

    @Test func interruptEndsAStalledTurnAsCancelled() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let run = try await MockModel.serving("stalled-model", scratch: workspace.scratch) { mock in
            try await runRealCodex(
                workspace: workspace, mock: mock,
                react: { runner, event in
                    if case .turnStarted = event.kind { try? await runner.interrupt() }
                })
        }
        #expect(run.outcome.ending == .cancelled)
        let status: TurnStatus? = run.first { if case .turnCompleted(let t) = $0 { t.status } else { nil } }
        #expect(status == .interrupted)
        #expect(try run.clientMessages().contains { $0["method"] == "turn/interrupt" })
    }

    @Test func continuationTurnsShareTheThreadAndAResumedThreadKeepsItsTotals() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let (first, resumed) = try await MockModel.serving("continuation", scratch: workspace.scratch) { mock in
            let first = try await runRealCodex(workspace: workspace, mock: mock, maxTurns: 2, capture: "first", shouldContinue: { _ in true })
            let threadID = try #require(first.outcome.threadID)
            let resumed = try await runRealCodex(
                workspace: workspace, mock: mock, resume: .init(threadID: threadID, tokenTotals: first.outcome.tokenTotals), capture: "resumed")
            return (first, resumed)
        }
        #expect(first.outcome.ending == .maxTurnsReached && first.outcome.turns == 2)
        let turnStarts = try first.clientMessages().filter { $0["method"] == "turn/start" }
        #expect(turnStarts.count == 2 && turnStarts[0]["params"]?["threadId"] == turnStarts[1]["params"]?["threadId"])
        let secondInput = first.modelRequests.dropFirst().first?["input"]?.arrayValue?.last?["content"]?[0]?["text"]?.stringValue ?? ""
        #expect(secondInput.contains("Continue working on ABC-1"), "the model got the continuation guidance")
        #expect(first.outcome.tokenTotals.total == 272)
        let firstDeltas = first.all { if case .tokenUsage(let u) = $0 { u.delta.total } else { nil } }
        #expect(firstDeltas == [110, 162])

        #expect(resumed.outcome.ending == .finished && resumed.outcome.threadID == first.outcome.threadID)
        #expect(resumed.first { if case .sessionStarted(let s) = $0 { s.resumed } else { nil } } == true)
        #expect(try resumed.clientMessages().contains { $0["method"] == "thread/resume" })
        let resumedDeltas = resumed.all { if case .tokenUsage(let u) = $0 { u.delta.total } else { nil } }
        #expect(resumedDeltas == [208], "the re-reported thread total adds nothing; the new call adds 208")
        #expect(resumed.outcome.tokenTotals.total == 480)
        let tools = resumed.modelRequests.last?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(tools.contains("kanban_get_issue"), "a resumed thread keeps its dynamic tools")
    }

    @Test func theSchemaCheckRejectsMessagesCodexWouldRefuse() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let record = workspace.scratch.appendingPathComponent("bad.jsonl")
        let bad = [
            #"{"jsonrpc":"2.0","method":"initialize","id":1,"params":{"clientInfo":{"name":"x","version":"1"}}}"#,
            #"{"method":"thread/start","id":2,"params":{"approvalPolicy":{"reject":{"sandbox_approval":true,"rules":true,"mcp_elicitations":true}},"sandbox":"workspaceWrite"}}"#,
            #"{"method":"thread/start","id":3,"params":{"dynamicTools":[{"name":"t","description":"d","inputSchema":{}}]}}"#,
            #"{"method":"turn/failed","id":4,"params":{}}"#,
        ]
        let entries = bad.map { JSONValue.object(["dir": "client->server", "line": .string($0)]).compactText }
        try entries.joined(separator: "\n").write(to: record, atomically: true, encoding: .utf8)
        let codex = try RealCodex.requireBinary()
        let schema = try await CodexSchema.shared.generated(by: codex)
        let python = try #require(CodexFixtures.venvPython)
        let result = try await Helper.run(
            python,
            [CodexFixtures.directory.appendingPathComponent("validate_client_messages.py").path, "--schema", schema.path, "--record", record.path])
        #expect(!result.succeeded)
        let violations = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))["violations"]?.arrayValue ?? []
        let lines = Set(violations.compactMap { $0["line"]?.intValue })
        #expect(lines == [1, 2, 3, 4], "every bad message is caught: \(result.stdout)")
    }

    @Test func everyAnswerShapeTheFakeRunsProduceIsSchemaValid() async throws {
        let runs = [
            try await runFake("other-approvals", approvalPolicy: .string("untrusted"), react: answerEverything(.approve)),
            try await runFake("other-approvals", react: answerEverything(.decline)),
            try await runFake("command-approval", approvalPolicy: .string("on-request"), react: answerEverything(.cancel)),
            try await runFake("file-change-approval", approvalPolicy: .string("on-request"), react: answerEverything(.approveForSession)),
            try await runFake("user-input", react: answerEverything(.decline)),
            try await runFake("user-input", react: answerEverything(.cancel)),
            try await runFake("dynamic-tool"), try await runFake("interleaving"), try await runFake("unsupported-request"),
            try await runFake("token-usage-multi", maxTurns: 2, shouldContinue: { _ in true }),
        ]
        defer { runs.forEach { $0.workspace.remove() } }
        let records = runs.map { $0.workspace.scratch.appendingPathComponent("record.jsonl") }
        try await CodexSchema.validate(records: records)
    }
}

/// Answers every operator request with `answer` (questions get their first option).
private func answerEverything(_ answer: OperatorAnswer) -> @Sendable (CodexRunner, RunnerEvent) async -> Void {
    { runner, event in
        guard case .operatorInputRequested(let pending) = event.kind else { return }
        switch pending.kind {
        case .userInput where answer == .approve:
            let answers = Dictionary(uniqueKeysWithValues: pending.questions.map { ($0.id, Array($0.options.prefix(1))) })
            try? await runner.answer(pending.id, with: .answers(answers))
        case .elicitation where answer == .approve:
            try? await runner.answer(pending.id, with: .elicitation(.accept, content: ["version": "1"]))
        default:
            try? await runner.answer(pending.id, with: answer)
        }
    }
}
