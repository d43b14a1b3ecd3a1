import Adapters
import Foundation
import Runtime
import Testing
import WorkflowParser

/// The runner against the scripted fake app-server (`Tests/Fixtures/codex/fake_app_server.py`), one
/// test per scenario of the catalogue in `Specs/codex-runner.md`.
@Suite struct CodexFakeServerTests {
    @Test func completedTurnReportsSessionDeltasTokensAndRateLimits() async throws {
        let run = try await runFake("turn-completes")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        expectProtocolBasics(run)

        let session = try #require(run.first { if case .sessionStarted(let s) = $0 { s } else { nil } })
        #expect(session.threadID.count == 36 && !session.resumed && session.process.pid > 0)
        #expect(session.process.processGroupID == session.process.pid)
        #expect(run.outcome.threadID == session.threadID)
        let started = try #require(run.first { if case .turnStarted(let t) = $0 { t } else { nil } })
        #expect(started.sessionID == "\(session.threadID)-\(started.turnID)" && started.number == 1)
        let completed = try #require(run.first { if case .turnCompleted(let t) = $0 { t } else { nil } })
        #expect(completed.status == .completed && completed.turnID == started.turnID && completed.lastAgentMessage == "Hello")

        let deltas = run.all { if case .activity(let a) = $0, a.method == "item/agentMessage/delta" { a.count } else { nil } }
        #expect(deltas.reduce(0, +) == 2, "every delta is accounted for, bursts coalesced: \(deltas)")
        let usage = try #require(run.first { if case .tokenUsage(let u) = $0 { u } else { nil } })
        #expect(usage.threadTotals == TokenTotals(input: 100, cachedInput: 20, output: 7, reasoningOutput: 2, total: 107))
        #expect(usage.delta == usage.threadTotals && usage.modelContextWindow == 258_400)
        let limits = try #require(run.first { if case .rateLimits(let r) = $0 { r } else { nil } })
        #expect(limits.limitID == "codex" && limits.primary?.usedPercent == 13 && limits.primary?.windowDurationMinutes == 300)
        #expect(limits.secondary?.resetsAt == Date(timeIntervalSince1970: 1_796_000_000))
        #expect(
            run.kinds.contains(
                .warning("Model metadata for `mock-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.")
            ))

        // Thread name, and the policies exactly as configured (WORKFLOW.md defaults).
        let rename = try #require(Records.clientRequests(run.record, "thread/name/set").first)
        #expect(rename["params"]?["name"] == "ABC-1: Fix the bug" && rename["params"]?["threadId"]?.stringValue == session.threadID)
        let threadStart = try #require(Records.clientRequests(run.record, "thread/start").first?["params"])
        #expect(threadStart["approvalPolicy"] == "never" && threadStart["sandbox"] == "workspace-write")
        #expect(threadStart["dynamicTools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["kanban_get_issue", "slow_tool"])
        #expect(threadStart["dynamicTools"]?.arrayValue?.allSatisfy { $0["type"] == "function" } == true)
        let turnStart = try #require(Records.clientRequests(run.record, "turn/start").first?["params"])
        #expect(turnStart["input"] == [["type": "text", "text": "Implement ABC-1: fix the bug."]])
        #expect(turnStart["threadId"]?.stringValue == session.threadID && turnStart["approvalPolicy"] == "never")
        #expect(
            turnStart["sandboxPolicy"]
                == ["type": "workspaceWrite", "writableRoots": [.string(run.workspace.workspace.path)], "networkAccess": false])
        #expect(run.recordEvents.contains("stdin_eof"), "stop closes stdin")
        if case .processExited(let exit) = run.kinds.last {
            #expect(exit.exitCode == 0)
        } else {
            Issue.record("processExited is the last event")
        }
    }

    @Test func failedTurnKeepsTheErrorAndRetryingErrorsAreOnlyActivity() async throws {
        let run = try await runFake("turn-fails")
        defer { run.workspace.remove() }
        guard case .failed(.turnFailed(let error)) = run.outcome.ending else {
            Issue.record("expected a failed turn, got \(run.outcome.ending)")
            return
        }
        #expect(error?.codexErrorInfo == "internalServerError" && error?.message.hasPrefix("We’re currently") == true)
        let reports = run.all { if case .serverError(let r) = $0 { r } else { nil } }
        #expect(reports.map(\.willRetry) == [true, true, false])
        #expect(reports.first?.error.codexErrorInfo == "serverOverloaded")
        let completed = run.first { if case .turnCompleted(let t) = $0 { t } else { nil } }
        #expect(completed?.status == .failed)
        expectProtocolBasics(run)
    }

    @Test func continuationTurnsShareTheThreadAndTokenTotalsNeverDoubleOrShrink() async throws {
        let asked = AskCounter()
        let run = try await runFake("token-usage-multi", maxTurns: 2, shouldContinue: { _ in await asked.increment() })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .maxTurnsReached && run.outcome.turns == 2)
        #expect(await asked.count == 1, "asked once: after turn 1, not after the last allowed turn")

        let turnStarts = Records.clientRequests(run.record, "turn/start")
        #expect(turnStarts.count == 2)
        #expect(turnStarts[0]["params"]?["threadId"] == turnStarts[1]["params"]?["threadId"])
        let continuation = try #require(turnStarts[1]["params"]?["input"]?[0]?["text"]?.stringValue)
        #expect(continuation.contains("Continue working on ABC-1") && continuation.contains("turn 2 of at most 2"))
        #expect(!continuation.contains("Implement ABC-1"), "continuation turns carry guidance, not the original prompt")

        let updates = run.all { if case .tokenUsage(let u) = $0 { u } else { nil } }
        let totals = updates.map(\.threadTotals.total)
        #expect(totals == totals.sorted(), "totals only grow: \(totals)")
        // The fake's running sum; the regressing report in between (a total of 22) is ignored.
        let final = TokenTotals(input: 476, cachedInput: 115, output: 23, reasoningOutput: 1, total: 499)
        #expect(run.outcome.tokenTotals == final)
        let summed = updates.reduce(0) { $0 + $1.delta.total }
        #expect(summed == final.total, "deltas add up to the absolute total")
        #expect(updates.allSatisfy { $0.delta.total >= 0 && $0.delta.input >= 0 })
        let turns = run.all { if case .turnCompleted(let t) = $0 { t } else { nil } }
        #expect(turns.map(\.number) == [1, 2] && turns.map(\.lastAgentMessage) == ["First turn done.", "Second turn done."])
        expectProtocolBasics(run)
    }

    @Test func shouldContinueDecidesWhetherAnotherTurnRuns() async throws {
        let run = try await runFake("token-usage-multi", maxTurns: 5, shouldContinue: { turn in turn.number < 3 })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished && run.outcome.turns == 3)
        let texts = Records.clientRequests(run.record, "turn/start").compactMap { $0["params"]?["input"]?[0]?["text"]?.stringValue }
        #expect(texts.count == 3 && texts[2].contains("turn 3 of at most 5"))
    }

    @Test func approvalsAreAcceptedForTheSessionUnderNever() async throws {
        let run = try await runFake("command-approval")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        let answer = try #require(Records.answers(run.record, to: "item/commandExecution/requestApproval").first)
        #expect(answer["result"] == ["decision": "acceptForSession"])
        #expect(run.kinds.contains { if case .approvalAutoAccepted(_, let summary) = $0 { summary.contains("touch approved.txt") } else { false } })
        #expect(!run.kinds.contains { if case .operatorInputRequested = $0 { true } else { false } })
        expectProtocolBasics(run)
    }

    @Test func otherApprovalKindsUseTheirOwnDecisionSpellingUnderNever() async throws {
        let run = try await runFake("other-approvals")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        let permissions = try #require(Records.answers(run.record, to: "item/permissions/requestApproval").first)
        #expect(permissions["result"] == ["permissions": ["network": ["enabled": true], "fileSystem": nil], "scope": "session"])
        #expect(Records.answers(run.record, to: "execCommandApproval").first?["result"] == ["decision": "approved_for_session"])
        #expect(Records.answers(run.record, to: "applyPatchApproval").first?["result"] == ["decision": "approved_for_session"])
        expectProtocolBasics(run)
    }

    @Test(arguments: [
        (OperatorAnswer.approveForSession, "acceptForSession", RunEnding.finished),
        (OperatorAnswer.approve, "accept", RunEnding.finished),
        (OperatorAnswer.decline, "decline", RunEnding.finished),
        (OperatorAnswer.cancel, "cancel", RunEnding.cancelled),
    ])
    func commandApprovalBlocksForAnOperatorUnderOnRequest(answer: OperatorAnswer, decision: String, ending: RunEnding) async throws {
        let run = try await runFake(
            "command-approval", approvalPolicy: .string("on-request"),
            react: { runner, event in
                guard case .operatorInputRequested(let pending) = event.kind else { return }
                let snapshot = await runner.snapshot()
                #expect(snapshot.pendingRequests.map(\.id) == [pending.id], "the request is visible while it waits")
                await #expect(throws: CodexRunnerError.answerDoesNotFit(pending.id, .commandApproval)) {
                    try await runner.answer(pending.id, with: .answers(["q": ["a"]]))
                }
                try? await runner.answer(pending.id, with: answer)
            })
        defer { run.workspace.remove() }
        let pending = try #require(run.first { if case .operatorInputRequested(let p) = $0 { p } else { nil } })
        #expect(pending.kind == .commandApproval && pending.method == "item/commandExecution/requestApproval")
        #expect(pending.summary == "run `/bin/bash -lc 'touch approved.txt'` (Create a file?)")
        #expect(run.kinds.contains(.operatorRequestResolved(id: pending.id, answered: true)))
        let sent = try #require(Records.answers(run.record, to: "item/commandExecution/requestApproval").first)
        #expect(sent["result"] == ["decision": .string(decision)])
        #expect(run.outcome.ending == ending)
        expectProtocolBasics(run)
    }

    @Test func fileChangeApprovalNamesTheFilesAndTakesTheOperatorsAnswer() async throws {
        let run = try await runFake(
            "file-change-approval",
            approvalPolicy: .map(["granular": .map(["sandbox_approval": .bool(true), "rules": .bool(true), "mcp_elicitations": .bool(true)])]),
            react: { runner, event in
                if case .operatorInputRequested(let pending) = event.kind { try? await runner.answer(pending.id, with: .approve) }
            })
        defer { run.workspace.remove() }
        let pending = try #require(run.first { if case .operatorInputRequested(let p) = $0 { p } else { nil } })
        #expect(pending.kind == .fileChangeApproval && pending.summary == "change README.md (Update the readme?)")
        #expect(Records.answers(run.record, to: "item/fileChange/requestApproval").first?["result"] == ["decision": "accept"])
        let initialize = Records.clientRequests(run.record, "initialize").first
        #expect(initialize?["params"]?["capabilities"]?["experimentalApi"] == true, "granular policies need experimentalApi")
        #expect(Records.clientRequests(run.record, "thread/start").first?["params"]?["approvalPolicy"]?["granular"] != nil)
        #expect(run.outcome.ending == .finished)
        expectProtocolBasics(run)
    }

    @Test func legacyAndPermissionApprovalsBlockAndMapOperatorAnswers() async throws {
        let run = try await runFake(
            "other-approvals", approvalPolicy: .string("untrusted"),
            react: { runner, event in
                guard case .operatorInputRequested(let pending) = event.kind else { return }
                let answer: OperatorAnswer = pending.kind == .legacyPatchApproval ? .decline : .approve
                try? await runner.answer(pending.id, with: answer)
            })
        defer { run.workspace.remove() }
        let kinds = run.all { if case .operatorInputRequested(let p) = $0 { p.kind } else { nil } }
        #expect(kinds == [.permissionsApproval, .legacyCommandApproval, .legacyPatchApproval])
        #expect(Records.answers(run.record, to: "item/permissions/requestApproval").first?["result"]?["scope"] == "turn")
        #expect(Records.answers(run.record, to: "execCommandApproval").first?["result"] == ["decision": "approved"])
        #expect(Records.answers(run.record, to: "applyPatchApproval").first?["result"] == ["decision": "denied"])
        let summaries = run.all { if case .operatorInputRequested(let p) = $0 { p.summary } else { nil } }
        #expect(summaries == ["grant network access (Needs the network)", "run `bash -lc make test` (Run the tests?)", "change src/main.c"])
        expectProtocolBasics(run)
    }

    @Test func userInputAndElicitationBlockEvenUnderNeverUntilAnswered() async throws {
        let run = try await runFake(
            "user-input",
            react: { runner, event in
                guard case .operatorInputRequested(let pending) = event.kind else { return }
                switch pending.kind {
                case .userInput: try? await runner.answer(pending.id, with: .answers(["choice": ["A (Recommended)"]]))
                default: try? await runner.answer(pending.id, with: .elicitation(.accept, content: ["version": "2.1"]))
                }
            })
        defer { run.workspace.remove() }
        let requests = run.all { if case .operatorInputRequested(let p) = $0 { p } else { nil } }
        #expect(requests.map(\.kind) == [.userInput, .elicitation])
        let question = try #require(requests.first?.questions.first)
        #expect(question.id == "choice" && question.options == ["A (Recommended)", "B"] && question.allowsOther && !question.isSecret)
        #expect(requests.first?.summary == "Pick: Which one?" && requests.last?.summary == "docs: Which version?")
        #expect(
            Records.answers(run.record, to: "item/tool/requestUserInput").first?["result"] == [
                "answers": ["choice": ["answers": ["A (Recommended)"]]]
            ])
        #expect(
            Records.answers(run.record, to: "mcpServer/elicitation/request").first?["result"] == ["action": "accept", "content": ["version": "2.1"]])
        #expect(run.outcome.ending == .finished)
        expectProtocolBasics(run)
    }

    @Test func dynamicToolsRunHostSideAndUnknownToolsFailWithoutEndingTheSession() async throws {
        let tools = TestTools()
        let run = try await runFake("dynamic-tool", tools: tools)
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        #expect(tools.calls.map(\.0) == ["kanban_get_issue"] && tools.calls.first?.1 == ["identifier": "ABC-1"])
        let answers = Records.answers(run.record, to: "item/tool/call")
        #expect(answers.count == 2)
        #expect(
            answers.first?["result"]
                == [
                    "success": true,
                    "contentItems": [["type": "inputText", "text": #"{"identifier":"ABC-1","title":"Fix the bug","state":"in_progress"}"#]],
                ])
        #expect(answers.last?["result"]?["success"] == false)
        #expect(answers.last?["result"]?["contentItems"]?[0]?["text"]?.stringValue?.hasPrefix("unsupported tool: linear_graphql") == true)
        let reports = run.all { if case .toolCall(let r) = $0 { r } else { nil } }
        #expect(reports.map(\.advertised) == [true, false] && reports.map(\.success) == [true, false])
        expectProtocolBasics(run)
    }

    @Test func aToolThatOverrunsItsTimeoutFails() async throws {
        var options = fastOptions
        options.toolCallTimeout = .milliseconds(200)
        let run = try await runFake("slow-tool", options: options)
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        let answer = try #require(Records.answers(run.record, to: "item/tool/call").first)
        #expect(answer["result"]?["success"] == false)
        #expect(answer["result"]?["contentItems"]?[0]?["text"] == "tool slow_tool did not finish in time")
    }

    @Test func silenceEndsTheTurnAfterTheIdleTimeoutAndStopsTheProcess() async throws {
        let run = try await runFake("silent", configure: { $0.codex.turnTimeoutMs = 300 })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .failed(.turnTimeout))
        #expect(run.recordEvents.contains("stdin_eof"))
        expectProtocolBasics(run)
    }

    @Test func aServerThatIgnoresStdinAndSigtermIsKilledWithItsWholeGroup() async throws {
        let run = try await runFake("silent-stubborn", configure: { $0.codex.turnTimeoutMs = 300 })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .failed(.turnTimeout))
        #expect(run.recordEvents.contains("stdin_eof") && run.recordEvents.contains("sigterm"))
        #expect(run.outcome.exit?.signal == 9)
        let child = try #require(run.record.first { $0.event == "child" }?.fields["pid"]?.intValue)
        #expect(!processIsAlive(Int32(child)), "no child survives the run")
        expectProtocolBasics(run)
    }

    @Test func processesLeftInTheGroupAfterANormalExitAreEnded() async throws {
        let run = try await runFake("orphan-child")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        let child = try #require(run.record.first { $0.event == "child" }?.fields["pid"]?.intValue)
        #expect(!processIsAlive(Int32(child)))
    }

    @Test func exitBeforeTheThreadStartsIsAProcessExitWithStderr() async throws {
        let run = try await runFake("exit-before-thread")
        defer { run.workspace.remove() }
        guard case .failed(.processExited(let exit)) = run.outcome.ending else {
            Issue.record("expected a process exit, got \(run.outcome.ending)")
            return
        }
        #expect(exit.exitCode == 1 && exit.stderrTail.last?.contains("panicked") == true)
        #expect(run.outcome.threadID == nil)
    }

    @Test func exitMidTurnIsAProcessExit() async throws {
        let run = try await runFake("exit-mid-turn")
        defer { run.workspace.remove() }
        guard case .failed(.processExited(let exit)) = run.outcome.ending else {
            Issue.record("expected a process exit, got \(run.outcome.ending)")
            return
        }
        #expect(exit.exitCode == 101 && run.outcome.threadID != nil)
        #expect(run.kinds.contains(.diagnostic("thread 'tokio-runtime-worker' panicked: lost the model")))
    }

    @Test func aMissingCommandIsReportedAsCodexNotFound() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let request = CodexRunRequest(
            issueIdentifier: "ABC-1", issueTitle: "t", workspacePath: workspace.workspace.path, workspaceRoot: workspace.root.path,
            prompt: "p", codex: CodexFixtures.codex(command: "maestro-no-such-codex-binary app-server"),
            environment: try workspace.isolatedEnvironment(ProcessInfo.processInfo.environment))
        let outcome = await CodexRunner(request: request, options: fastOptions).run()
        guard case .failed(.codexNotFound(let exit)) = outcome.ending else {
            Issue.record("expected codex_not_found, got \(outcome.ending)")
            return
        }
        #expect(exit.exitCode == 127 && exit.stderrTail.joined().contains("maestro-no-such-codex-binary"))
    }

    @Test func garbageLinesAreReportedAndSkipped() async throws {
        let run = try await runFake("garbage")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        let reasons = run.all { if case .malformedLine(let m) = $0 { m.reason } else { nil } }
        #expect(reasons == ["not_json", "not_json", "not_an_object", "unknown_shape", "unexpected_response"])
        let excerpts = run.all { if case .malformedLine(let m) = $0 { m.excerpt } else { nil } }
        #expect(excerpts.first == "not json")
        expectProtocolBasics(run)
    }

    @Test func a2MBLineIsReadAndAn11MBLineIsSkippedAsOversized() async throws {
        let run = try await runFake("long-lines")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        let oversized = run.all { if case .malformedLine(let m) = $0, m.reason == "oversized" { m.byteCount } else { nil } }
        #expect(oversized.count == 1 && (oversized.first ?? 0) > 10 * 1024 * 1024)
        let deltas = run.all { if case .activity(let a) = $0, a.method == "item/agentMessage/delta" { a.count } else { nil } }
        #expect(deltas == [1], "the 2 MB delta (with raw U+2028 inside) arrives as one message")
        expectProtocolBasics(run)
    }

    @Test func chunkedLinesAreReassembledAndStderrNeverReachesTheParser() async throws {
        let run = try await runFake("chunked-stderr")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        #expect(!run.kinds.contains { if case .malformedLine = $0 { true } else { false } })
        let diagnostics = run.all { if case .diagnostic(let d) = $0 { d } else { nil } }
        #expect(diagnostics.contains { $0.hasPrefix("2026-11-26T02:20:54Z ERROR codex_app_server: Codex could not find bubblewrap") })
        #expect(diagnostics.contains("2026-11-26T02:20:55Z  WARN codex_core: a noisy warning"))
        #expect(diagnostics.contains { $0.hasPrefix(#"{"method":"turn/completed""#) })
        let completions = run.all { if case .turnCompleted(let t) = $0 { t } else { nil } }
        #expect(completions.count == 1)
        expectProtocolBasics(run)
    }

    @Test func dispatchIsByShapeEvenWhenServerAndClientIdsCollide() async throws {
        let run = try await runFake("interleaving")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        let turnStartID = try #require(Records.clientRequests(run.record, "turn/start").first?["id"])
        let collision = try #require(run.record.first { !$0.isClient && $0.method == "item/tool/call" }?.message)
        #expect(collision["id"] == turnStartID, "the server request reuses the turn/start id")
        let answer = try #require(Records.answers(run.record, to: "item/tool/call").first)
        #expect(answer["result"]?["success"] == false)
        #expect(!run.kinds.contains { if case .malformedLine = $0 { true } else { false } })
        expectProtocolBasics(run)
    }

    @Test func unsupportedServerRequestsGetAnErrorAnswerAndTheTurnGoesOn() async throws {
        let run = try await runFake("unsupported-request")
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished)
        #expect(run.kinds.contains(.unsupportedServerRequest(method: "account/chatgptAuthTokens/refresh")))
        let answer = try #require(Records.answers(run.record, to: "account/chatgptAuthTokens/refresh").first)
        #expect(answer["error"]?["code"] == -32601)
        expectProtocolBasics(run)
    }

    @Test func interruptSendsTurnInterruptAndTheRunEndsCancelled() async throws {
        let run = try await runFake(
            "silent",
            react: { runner, event in
                if case .turnStarted = event.kind { try? await runner.interrupt() }
            })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .cancelled)
        let interrupt = try #require(Records.clientRequests(run.record, "turn/interrupt").first?["params"])
        let turnID = try #require(run.first { if case .turnStarted(let t) = $0 { t.turnID } else { nil } })
        #expect(interrupt["turnId"]?.stringValue == turnID && interrupt["threadId"]?.stringValue == run.outcome.threadID)
        let status: TurnStatus? = run.first { if case .turnCompleted(let t) = $0 { t.status } else { nil } }
        #expect(status == .interrupted)
        expectProtocolBasics(run)
    }

    @Test func anInterruptBeforeTurnStartedIsSentOnceTheTurnIsActive() async throws {
        let run = try await runFake(
            "silent-late-start",
            react: { runner, event in
                if case .turnStarted = event.kind { try? await runner.interrupt() }
            })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .cancelled)
        let lines = run.record.filter { $0.direction != nil }
        let started = try #require(lines.firstIndex { $0.method == "turn/started" })
        let interrupt = try #require(lines.firstIndex { $0.method == "turn/interrupt" })
        #expect(started < interrupt, "Codex refuses turn/interrupt before turn/started")
        #expect(!lines.contains { !$0.isClient && $0.message?["error"] != nil })
        #expect(!run.kinds.contains { if case .malformedLine = $0 { true } else { false } })
        expectProtocolBasics(run)
    }

    @Test func stopInterruptsTheRunningTurnAndClosesStdin() async throws {
        let run = try await runFake(
            "silent",
            react: { runner, event in
                if case .turnStarted = event.kind { await runner.stop() }
            })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .stopped)
        #expect(Records.clientRequests(run.record, "turn/interrupt").count == 1)
        #expect(run.recordEvents.contains("stdin_eof"))
        expectProtocolBasics(run)
    }

    @Test func cancellingTheRunEndsItAsStoppedAndLeavesNoProcess() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let record = workspace.scratch.appendingPathComponent("record.jsonl")
        let request = CodexRunRequest(
            issueIdentifier: "ABC-1", issueTitle: "t", workspacePath: workspace.workspace.path, workspaceRoot: workspace.root.path,
            prompt: "p", codex: CodexFixtures.codex(command: CodexFixtures.fakeCommand(scenario: "silent", record: record)),
            environment: try workspace.isolatedEnvironment(ProcessInfo.processInfo.environment))
        let runner = CodexRunner(request: request, options: fastOptions)
        let outcome = await withTaskGroup(of: RunOutcome?.self) { group in
            group.addTask { await runner.run() }
            group.addTask {
                for await event in runner.events {
                    if case .turnStarted = event.kind { return nil }
                }
                return nil
            }
            _ = await group.next()  // the turn has started (the run itself never ends on its own here)
            group.cancelAll()
            return await group.next() ?? nil
        }
        #expect(outcome?.ending == .stopped)
        let entries = try Records.read(record)
        let pid = try #require(entries.first { $0.event == "started" }?.fields["pid"]?.intValue)
        #expect(!processIsAlive(Int32(pid)))
    }

    @Test func stopBeforeRunLaunchesNothing() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let request = CodexRunRequest(
            issueIdentifier: "ABC-1", issueTitle: "t", workspacePath: workspace.workspace.path, workspaceRoot: workspace.root.path,
            prompt: "p", codex: CodexFixtures.codex(command: "exit 3"))
        let runner = CodexRunner(request: request)
        await runner.stop()
        let outcome = await runner.run()
        #expect(outcome.ending == .stopped && outcome.exit == nil)
        #expect(await runner.run().ending == .failed(.alreadyRunning))
    }

    @Test func aRefusedPolicyIsAClearStartupFailure() async throws {
        let reject = ConfigValue.map(["reject": .map(["sandbox_approval": .bool(true), "rules": .bool(true), "mcp_elicitations": .bool(true)])])
        let run = try await runFake("turn-completes", approvalPolicy: reject)
        defer { run.workspace.remove() }
        guard case .failed(.responseError(let method, let code, let message)) = run.outcome.ending else {
            Issue.record("expected a response error, got \(run.outcome.ending)")
            return
        }
        #expect(method == "thread/start" && code == -32600 && message.contains("unknown variant `reject`"))
        #expect(Records.clientRequests(run.record, "turn/start").isEmpty)
    }

    @Test func aMissingResponseTimesOutAfterTheReadTimeout() async throws {
        let run = try await runFake("no-response", configure: { $0.codex.readTimeoutMs = 6_000 })  // initialize must still be answered on a loaded machine
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .failed(.responseTimeout(method: "thread/start")))
        #expect(run.recordEvents.contains("ignored"))
    }

    @Test func aResumedThreadContinuesItsTotalsWithoutDoubling() async throws {
        let threadID = "01a215a7-edf8-7e03-9d39-ef9ea1ad04df"
        let recorded = TokenTotals(input: 400, cachedInput: 100, output: 40, reasoningOutput: 4, total: 440)
        let run = try await runFake("resume", configure: { $0.resume = .init(threadID: threadID, tokenTotals: recorded) })
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished && run.outcome.threadID == threadID)
        #expect(Records.clientRequests(run.record, "thread/start").isEmpty)
        let resume = try #require(Records.clientRequests(run.record, "thread/resume").first?["params"])
        #expect(resume["threadId"]?.stringValue == threadID && resume["excludeTurns"] == true)
        #expect(run.first { if case .sessionStarted(let s) = $0 { s.resumed } else { nil } } == true)
        let deltas = run.all { if case .tokenUsage(let u) = $0 { u.delta.total } else { nil } }
        #expect(deltas == [66], "the re-reported total adds nothing; the new call adds its own tokens")
        #expect(run.outcome.tokenTotals.total == 506)
        expectProtocolBasics(run)
    }

    @Test func anUnknownThreadToResumeFallsBackToANewThread() async throws {
        let run = try await runFake(
            "turn-completes", configure: { $0.resume = .init(threadID: "01a215a7-0000-7000-8000-000000000000", tokenTotals: TokenTotals(total: 999)) }
        )
        defer { run.workspace.remove() }
        #expect(run.outcome.ending == .finished && run.outcome.threadID != "01a215a7-0000-7000-8000-000000000000")
        #expect(run.kinds.contains { if case .warning(let w) = $0 { w.hasPrefix("could not resume thread") } else { false } })
        #expect(run.outcome.tokenTotals.total == 107, "a new thread counts from zero")
    }

    @Test func secretsAreRemovedFromTheChildEnvironmentAndCwdIsTheWorkspace() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["MAESTRO_TEST_TRACKER_TOKEN"] = "s3cret"
        environment["MAESTRO_TEST_VISIBLE"] = "fine"
        let run = try await runFake("turn-completes", environment: environment, secretNames: ["MAESTRO_TEST_TRACKER_TOKEN"])
        defer { run.workspace.remove() }
        let started = try #require(run.record.first { $0.event == "started" })
        // Other tests in this process may set their own MAESTRO_TEST_* variables; look at ours only.
        let names = started.fields["testEnvironment"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(names.contains("MAESTRO_TEST_VISIBLE") && !names.contains("MAESTRO_TEST_TRACKER_TOKEN"), "\(names)")
        #expect(started.fields["cwd"]?.stringValue == run.workspace.workspace.path)
        #expect(started.fields["pgid"] == started.fields["pid"], "the app-server leads its own process group")
    }

    @Test func aWorkspaceOutsideTheRootIsRefusedBeforeLaunch() async throws {
        let workspace = try TestWorkspace()
        defer { workspace.remove() }
        let escape = workspace.root.appendingPathComponent("escape")
        try FileManager.default.createSymbolicLink(at: escape, withDestinationURL: workspace.scratch)
        for path in [
            workspace.scratch.path, workspace.root.path, escape.path, workspace.root.appendingPathComponent("missing").path, "relative/ABC-1",
        ] {
            let request = CodexRunRequest(
                issueIdentifier: "ABC-1", issueTitle: "t", workspacePath: path, workspaceRoot: workspace.root.path, prompt: "p",
                codex: CodexFixtures.codex(command: "exit 3"))
            let outcome = await CodexRunner(request: request).run()
            guard case .failed(.invalidWorkspace) = outcome.ending else {
                Issue.record("\(path) was accepted: \(outcome.ending)")
                continue
            }
            #expect(outcome.exit == nil)
        }
    }
}

actor AskCounter {
    private(set) var count = 0
    func increment() -> Bool {
        count += 1
        return true
    }
}
