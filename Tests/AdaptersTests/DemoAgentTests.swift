import Adapters
import DemoAgent
import Foundation
import Runtime
import StateMachine
import Synchronization
import Testing

/// The demo agent's plan: pure, one test per path the demo shows.
struct DemoScriptTests {
    static let tools: Set<String> = ["kanban_move", "kanban_comment", "kanban_get_issue"]

    func plan(_ prompt: String, failedBefore: Bool = false, tools: Set<String> = tools) -> [DemoStep] {
        DemoScript.plan(DemoDirectives.parse(prompt), facts: DemoWorkspaceFacts(failedBefore: failedBefore, tools: tools))
    }

    @Test func theDirectivesAreTheDemoLinesOfThePrompt() {
        let directives = DemoDirectives.parse(
            "You are the demo agent.\n  demo.phase: review\ndemo.issue: DEMO-3\ndemo.title: Add a greeting\ndemo.move_to: done\n"
                + "demo.labels: asks-question, docs, fails-once\ndemo.unknown: x")
        #expect(directives.phase == .review)
        #expect(directives.identifier == "DEMO-3")
        #expect(directives.title == "Add a greeting")
        #expect(directives.moveTo == "done")
        #expect(directives.behaviours == [.asksQuestion, .failsOnce])
        #expect(DemoDirectives.parse("Fix the bug.") == DemoDirectives())
    }

    @Test func anImplementationTurnWritesItsFileAndThenMovesTheIssueToReview() throws {
        let steps = plan("demo.issue: DEMO-1\ndemo.move_to: human_review")
        let write = try #require(steps.firstIndex { if case .write(let file, _) = $0 { file == "DEMO-1.md" } else { false } })
        let move = try #require(steps.firstIndex(of: .tool(name: "kanban_move", arguments: ["state": "human_review"])))
        #expect(write < move)
        // Like a real agent, it keeps the turn open after the move: a summary follows.
        #expect(steps[(move + 1)...].contains { if case .say = $0 { true } else { false } })
    }

    @Test func aFailsOnceIssueFailsItsFirstAttemptOnly() {
        let prompt = "demo.issue: DEMO-2\ndemo.move_to: human_review\ndemo.labels: fails-once"
        let first = plan(prompt)
        #expect(first.last == .fail(message: "demo: the first attempt fails on purpose (the retry will pass)", marker: DemoScript.failureMarker))
        #expect(!first.contains(.tool(name: "kanban_move", arguments: ["state": "human_review"])))
        let retry = plan(prompt, failedBefore: true)
        #expect(!retry.contains { if case .fail = $0 { true } else { false } })
        #expect(retry.contains(.tool(name: "kanban_move", arguments: ["state": "human_review"])))
    }

    @Test func aQuestionComesBeforeTheFileThatRecordsItsAnswer() throws {
        let steps = plan("demo.issue: DEMO-4\ndemo.labels: asks-question")
        let ask = try #require(steps.firstIndex { if case .ask = $0 { true } else { false } })
        let write = try #require(steps.firstIndex { if case .write = $0 { true } else { false } })
        #expect(ask < write)
        guard case .write(_, let text) = steps[write] else { return }
        #expect(text.contains("{answer}"))
    }

    @Test func aLongRunningIssueWorksBeforeItCanFinish() throws {
        let steps = plan("demo.issue: DEMO-5\ndemo.labels: long-running")
        let work = try #require(steps.firstIndex { if case .work(let beats) = $0 { beats >= 100 } else { false } })
        let write = try #require(steps.firstIndex { if case .write = $0 { true } else { false } })
        #expect(work < write)
    }

    @Test func reviewCommentsAndMovesOnAndTheDonePhaseMovesNothing() {
        let review = plan("demo.phase: review\ndemo.issue: DEMO-1\ndemo.move_to: done")
        #expect(review.contains(.tool(name: "kanban_move", arguments: ["state": "done"])))
        #expect(review.contains { if case .tool("kanban_comment", _) = $0 { true } else { false } })
        let done = plan("demo.phase: done\ndemo.issue: DEMO-1")
        #expect(!done.contains { if case .tool = $0 { true } else { false } })
        #expect(done.contains { if case .write("DONE-DEMO-1.txt", _) = $0 { true } else { false } })
    }

    @Test func withoutTheKanbanToolsNothingIsCalled() {
        let steps = plan("demo.issue: DEMO-1\ndemo.phase: review\ndemo.move_to: done", tools: [])
        #expect(!steps.contains { if case .tool = $0 { true } else { false } })
    }
}

/// The demo agent in-process: lines in through a stream, lines out collected.
final class DemoWire: Sendable {
    let server: DemoAgentServer
    let input: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private let output: Written

    final class Written: Sendable {
        let lines = Mutex<[JSONValue]>([])
    }

    init(beat: Duration = .milliseconds(1)) {
        let output = Written()
        (input, continuation) = AsyncStream.makeStream(of: String.self)
        self.output = output
        server = DemoAgentServer(beat: beat) { line in
            let message = (try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))) ?? .string(line)
            output.lines.withLock { $0.append(message) }
        }
    }

    func send(_ message: JSONValue) { continuation.yield(message.compactText) }
    func sendRaw(_ line: String) { continuation.yield(line) }
    func close() { continuation.finish() }
    var messages: [JSONValue] { output.lines.withLock { $0 } }

    /// The first message written that matches, waiting up to `limit` for it.
    func first(_ limit: Duration = .seconds(90), where match: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let found = messages.first(where: match) { return found }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("no matching message within \(limit); written: \(messages.map(\.compactText))")
        throw CancellationError()
    }

    func reply(to id: Int) -> (JSONValue) -> Bool { { $0["id"] == .int(id) && $0["method"] == nil } }
    func method(_ name: String) -> (JSONValue) -> Bool { { $0["method"] == .string(name) } }

    /// `initialize`, `initialized` and `thread/start` in `cwd`; returns the thread id.
    func open(cwd: String, tools: [String] = []) async throws -> String {
        send(["method": "initialize", "id": 1, "params": ["clientInfo": ["name": "test", "version": "1"]]])
        send(["method": "initialized"])
        send([
            "method": "thread/start", "id": 2,
            "params": ["cwd": .string(cwd), "dynamicTools": .array(tools.map { ["type": "function", "name": .string($0)] })],
        ])
        return try #require(try await first(where: reply(to: 2))["result"]?["thread"]?["id"]?.stringValue)
    }
}

struct DemoAgentServerTests {
    @Test func requestsBeforeInitializeAndUnknownMethodsAreRefusedLikeTheRealServer() async throws {
        let wire = DemoWire()
        async let served: Void = wire.server.serve(wire.input)
        wire.send(["method": "thread/start", "id": 1, "params": [:]])
        #expect(try await wire.first(where: wire.reply(to: 1))["error"]?["message"] == "Not initialized")
        wire.sendRaw("not json")
        wire.send(["method": "initialize", "id": 2, "params": [:]])
        #expect(try await wire.first(where: wire.reply(to: 2))["error"]?["message"]?.stringValue?.contains("clientInfo") == true)
        wire.send(["method": "initialize", "id": 3, "params": ["clientInfo": ["name": "t", "version": "1"]]])
        #expect(try await wire.first(where: wire.reply(to: 3))["result"]?["userAgent"]?.stringValue?.contains("not a model") == true)
        wire.send(["method": "initialize", "id": 4, "params": ["clientInfo": ["name": "t", "version": "1"]]])
        #expect(try await wire.first(where: wire.reply(to: 4))["error"]?["message"] == "Already initialized")
        wire.send(["method": "bogus/method", "id": 5])
        #expect(try await wire.first(where: wire.reply(to: 5))["error"]?["code"] == -32600)
        wire.send(["method": "turn/start", "id": 6, "params": ["threadId": "nope", "input": []]])
        #expect(try await wire.first(where: wire.reply(to: 6))["error"]?["message"] == "thread not found: nope")
        wire.close()
        await served
        // Nothing answered the bad line, and every other request got exactly one reply.
        #expect(wire.messages.count == 6)
    }

    @Test func anInterruptEndsATurnThatWaitsOnAQuestionAndResolvesTheQuestion() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let wire = DemoWire()
        async let served: Void = wire.server.serve(wire.input)
        let thread = try await wire.open(cwd: directory.path)
        wire.send([
            "method": "turn/start", "id": 3,
            "params": ["threadId": .string(thread), "input": [["type": "text", "text": "demo.issue: DEMO-9\ndemo.labels: asks-question"]]],
        ])
        let turn = try #require(try await wire.first(where: wire.reply(to: 3))["result"]?["turn"]?["id"])
        let question = try await wire.first(where: wire.method("item/tool/requestUserInput"))
        #expect(question["params"]?["questions"]?[0]?["options"]?.arrayValue?.count == 2)
        wire.send(["method": "turn/interrupt", "id": 4, "params": ["threadId": .string(thread), "turnId": turn]])
        #expect(try await wire.first(where: wire.reply(to: 4))["result"] == [:])
        let completed = try await wire.first(where: wire.method("turn/completed"))
        #expect(completed["params"]?["turn"]?["status"] == "interrupted")
        #expect(wire.messages.contains { $0["method"] == "serverRequest/resolved" && $0["params"]?["requestId"] == question["id"] })
        // A late answer to the abandoned question changes nothing.
        wire.send(["id": question["id"] ?? 0, "result": ["answers": [:]]])
        wire.close()
        await served
        #expect(wire.messages.filter { $0["method"] == "turn/completed" }.count == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("DEMO-9.md").path))
    }

    @Test func closingStdinEndsALongTurnAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory
        let wire = DemoWire(beat: .seconds(60))
        async let served: Void = wire.server.serve(wire.input)
        let thread = try await wire.open(cwd: directory.path)
        wire.send([
            "method": "turn/start", "id": 3,
            "params": ["threadId": .string(thread), "input": [["type": "text", "text": "demo.labels: long-running"]]],
        ])
        _ = try await wire.first(where: wire.method("turn/started"))
        let closed = ContinuousClock.now
        wire.close()
        await served
        // One-minute beats: only abandoning the turn returns before the first one ends.
        #expect(ContinuousClock.now - closed < .seconds(30))
    }
}

/// The demo's own story keeping and its operator's decisions, without a daemon.
struct DemoDirectorTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func step(_ issue: String, _ from: LifecycleState, _ to: LifecycleState, _ event: LifecycleEvent, at seconds: Double, _ details: [String: String] = [:])
        -> DemoProgress.Step
    {
        DemoProgress.Step(issue: issue, from: from, to: to, event: event, details: details, at: start.addingTimeInterval(seconds))
    }

    @Test func thePathsShownComeFromTheTransitionsAndTheBlockerMustBeReviewedFirst() {
        var progress = DemoProgress(issues: ["D-1", "D-2", "D-3"], blockers: ["D-3": ["D-1"]], startedAt: start)
        #expect(progress.shown.isEmpty)
        progress.observe(step("D-3", .queued, .workspace, .dispatch, at: 1))
        progress.observe(step("D-1", .running, .review, .runEnded, at: 2))
        #expect(!progress.shown.contains(.blockerReleased), "dispatched before its blocker's review")
        progress.observe(step("D-1", .done, .closed, .runEnded, at: 2.5))
        progress.observe(step("D-2", .running, .retrying, .runFailed, at: 3, ["error": "boom"]))
        #expect(!progress.shown.contains(.retried), "a failure alone is not a retry")
        progress.observe(step("D-2", .retrying, .queued, .retryDue, at: 6))
        progress.observe(step("D-2", .blocked, .running, .operatorAnswered, at: 7, ["answer": "Hello"]))
        progress.observe(step("X-9", .running, .released, .cancel, at: 8))
        #expect(progress.shown == [.retried, .questionAnswered], "another board's cancel does not count")
        #expect(progress.line(for: step("D-2", .blocked, .running, .operatorAnswered, at: 7, ["answer": "Hello"])).contains("(operator_answered: “Hello”)"))
        #expect(progress.closed == 1 && !progress.isFinished)
        #expect(progress.bar(width: 6) == "[##----] 1/3 finished · 1 running · 0 retrying · 0 blocked")
        #expect(progress.summary(at: start.addingTimeInterval(9)).contains("paths shown: question answered ✓ · failed run retried ✓ · blocker released ✗ · cancelled ✗"))

        // A blocker's review run moves it to a terminal tracker state: from then on it blocks no
        // more, even when the blocked issue's dispatch commits before the blocker's move to done.
        var released = DemoProgress(issues: ["D-1", "D-3"], blockers: ["D-3": ["D-1"]], startedAt: start)
        released.observe(step("D-1", .running, .review, .runEnded, at: 1))
        released.observe(step("D-3", .queued, .workspace, .dispatch, at: 2))
        released.observe(step("D-1", .review, .done, .runEnded, at: 3))
        #expect(released.shown == [.blockerReleased])
    }

    @Test func theOperatorAnswersLateQuestionsCancelsTheLongJobAndClosesIt() throws {
        let ids = DemoBoard.issues.indices.map { "DEMO-\($0 + 1)" }
        let long = try #require(DemoBoard.issues.firstIndex { $0.labels.contains("long-running") }.map { ids[$0] })
        var progress = DemoProgress(issues: ids, blockers: [:], startedAt: start)
        var settings = DemoDirector.Settings()
        settings.answerAfter = .seconds(5)
        settings.cancelAfter = .seconds(4)
        let question = AgentRequestDetail.Question(id: "greeting", header: "Greeting", question: "Which?", options: ["Hello", "Howdy"], allowsOther: true)
        let request = try MaestroJSON.decoder().decode(
            AgentRequestView.self,
            from: Data(
                """
                {"id":"0","issue":"DEMO-2","session_id":1,"kind":"question","summary":"Which?","accepts":[],
                 "detail":{"questions":[{"id":"greeting","header":"Greeting","question":"Which?","options":["Hello","Howdy"],"allows_other":true}]},
                 "created_at":"2027-01-15T08:00:00.000Z","resolved_at":null,"resolution":null}
                """.utf8))
        #expect(request.detail.questions == [question])
        let asked = request.createdAt
        progress.observe(DemoProgress.Step(issue: long, from: .workspace, to: .running, event: .workspaceReady, at: asked))
        #expect(DemoDirector.actions(progress, requests: [request], now: asked.addingTimeInterval(3), settings: settings).isEmpty)
        #expect(
            DemoDirector.actions(progress, requests: [request], now: asked.addingTimeInterval(5), settings: settings)
                == [.answer(issue: "DEMO-2", requestId: "0", text: "Hello"), .cancel(long)])
        progress.observe(DemoProgress.Step(issue: long, from: .running, to: .released, event: .cancel, at: asked.addingTimeInterval(6)))
        #expect(DemoDirector.actions(progress, requests: [], now: asked.addingTimeInterval(7), settings: settings) == [.close(long)])
    }
}

struct CodexDiagnosisTests {
    @Test func theProgramIsTheCommandsFirstShellWordWithoutItsQuotes() {
        #expect(CodexDiagnosis.firstWord(of: "codex app-server") == "codex")
        #expect(CodexDiagnosis.firstWord(of: "  '/opt/my codex/bin/codex' app-server") == "/opt/my codex/bin/codex")
        #expect(CodexDiagnosis.firstWord(of: #""/usr/local/bin/co\"dex" app-server"#) == #"/usr/local/bin/co"dex"#)
        #expect(CodexDiagnosis.firstWord(of: #"/opt/my\ codex app-server"#) == "/opt/my codex")
        #expect(CodexDiagnosis.firstWord(of: "tee -a in.log | codex app-server") == "tee")
    }
}
