import Foundation
import Runtime
import Testing
import WorkflowParser

@testable import Adapters

/// The pure parts of the runner: framing, classification, accounting, policies, answers.
@Suite struct CodexWireTests {
    private func split(_ chunks: [String], max: Int = 1 << 20) -> [LineSplitter.Piece] {
        var splitter = LineSplitter(maxLineBytes: max)
        var pieces: [LineSplitter.Piece] = []
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBytes { splitter.append($0, into: &pieces) }
        }
        if let last = splitter.finish() { pieces.append(last) }
        return pieces
    }

    private func line(_ text: String) -> LineSplitter.Piece { .line(Array(text.utf8)) }

    @Test func linesSplitOnNewlineOnlyAcrossChunkBoundaries() {
        let pieces = split(["{\"a\":\"x\u{2028}y\u{2029}z\r\"}\n{\"b\"", ":1}\n\n", "tail"])
        #expect(pieces == [line("{\"a\":\"x\u{2028}y\u{2029}z\r\"}"), line("{\"b\":1}"), line(""), line("tail")])
    }

    @Test func anOversizedLineIsDroppedAndTheNextLineIsIntact() {
        let long = String(repeating: "x", count: 40)
        let pieces = split(["short\n", String(long.prefix(25)), String(long.dropFirst(25)) + "\nafter\n"], max: 30)
        #expect(pieces == [line("short"), .oversized(byteCount: 40), line("after")])
        #expect(split([long], max: 30) == [.oversized(byteCount: 40)])
    }

    @Test func everyLineOfTheRecordedTranscriptsIsClassifiedByShape() throws {
        let source = CodexFixtures.directory.appendingPathComponent("transcripts")
        let files = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        #expect(files.count == 7)
        let decoder = JSONDecoder()
        var counts: [String: Int] = [:]
        for file in files {
            let text = try String(contentsOf: source.appendingPathComponent(file), encoding: .utf8)
            for entry in text.split(separator: "\n") {
                let record = try decoder.decode(JSONValue.self, from: Data(entry.utf8))
                guard record["dir"] == "server->client", let raw = record["line"]?.stringValue else { continue }
                let bytes = Array(raw.utf8)
                #expect(try JSONParser.parse(bytes) == decoder.decode(JSONValue.self, from: Data(bytes)), "same value as JSONDecoder")
                switch WireFormat.parse(bytes) {
                case .success(.request): counts["request", default: 0] += 1
                case .success(.notification): counts["notification", default: 0] += 1
                case .success(.response): counts["response", default: 0] += 1
                case .success(.errorResponse(_, let error)):
                    #expect(error.code == -32600)
                    counts["error", default: 0] += 1
                case .failure(let reason): Issue.record("\(file): \(reason) for \(raw.prefix(80))")
                }
            }
        }
        #expect(counts == ["request": 9, "notification": 161, "response": 24, "error": 5])
    }

    @Test func classificationUsesShapeNotId() {
        func parse(_ text: String) -> Result<IncomingMessage, MalformedReason> { WireFormat.parse(Array(text.utf8)) }
        guard case .success(.request(.int(3), "item/tool/call", _)) = parse(#"{"method":"item/tool/call","id":3,"params":{}}"#) else {
            Issue.record("a request with an id equal to ours is still a request")
            return
        }
        guard case .success(.errorResponse(.int(1), let error)) = parse(#"{"error":{"code":-32600,"message":"Not initialized"},"id":1}"#)
        else {
            Issue.record("error before id")
            return
        }
        #expect(error.message == "Not initialized")
        guard case .success(.notification("turn/started", _)) = parse(#"{"method":"turn/started","params":{},"emittedAtMs":1}"#) else {
            Issue.record("notification")
            return
        }
        guard case .success(.response(.string("a"), .object)) = parse(#"{"id":"a","result":{}}"#) else {
            Issue.record("string ids")
            return
        }
        #expect(parse(#"{"id":1}"#) == .failure(.unknownShape))
        #expect(parse("[]") == .failure(.notAnObject))
        #expect(parse("{") == .failure(.notJSON))
    }

    @Test func theParserHandlesEscapesNumbersAndNesting() throws {
        func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }
        #expect(
            try parse(#" {"a" : [1, -2.5e3, 0, 9223372036854775807, 1e400, true, false, null]} "#)
                == ["a": [1, .double(-2500), 0, .int(Int.max), .double(.infinity), true, false, nil]])
        #expect(try parse(#""\u00e9\ud83d\ude00\n\t\"\\\/ é \u2028""#) == .string("é😀\n\t\"\\/ é \u{2028}"))
        #expect(try parse(#"{"k":1,"k":2}"#) == ["k": 2])
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse(String(repeating: "[", count: 500) + String(repeating: "]", count: 500)).arrayValue != nil)
        let bad = ["", "{", "[1,]", #"{"a"}"#, "01", "1.", "-", "tru", #""\u12""#, "\"a\nb\"", "{} x", "nul", "[1 2]", #""\q""#]
        for text in bad {
            #expect(throws: JSONParser.Failure.self, "\(text) is not JSON") { try parse(text) }
        }
        #expect(throws: JSONParser.Failure.self) { try parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) }
    }

    @Test func outgoingLinesAreCompactSingleLinesWithoutJsonrpc() throws {
        let bytes = WireFormat.request(id: 7, method: "turn/start", params: ["input": [["type": "text", "text": "a\nb\u{2028}c \"q\" é"]]])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\n") && text.dropLast().firstIndex(of: "\n") == nil)
        #expect(text == #"{"id":7,"method":"turn/start","params":{"input":[{"text":"a\nb\u2028c \"q\" é","type":"text"}]}}"# + "\n")
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        #expect(decoded["params"]?["input"]?[0]?["text"] == "a\nb\u{2028}c \"q\" é" && decoded["jsonrpc"] == nil)
        #expect(String(decoding: WireFormat.notification(method: "initialized"), as: UTF8.self) == "{\"method\":\"initialized\"}\n")
        #expect(
            String(decoding: WireFormat.errorResponse(id: .int(0), code: -32601, message: "no"), as: UTF8.self)
                == "{\"error\":{\"code\":-32601,\"message\":\"no\"},\"id\":0}\n")
    }

    @Test func tokenTotalsAreMonotonicAndDeltasNeverDoubleCount() {
        func usage(_ input: Int, _ output: Int) -> JSONValue {
            [
                "tokenUsage": [
                    "total": [
                        "inputTokens": .int(input), "cachedInputTokens": 0, "outputTokens": .int(output), "reasoningOutputTokens": 0,
                        "totalTokens": .int(input + output),
                    ], "last": ["inputTokens": 999, "outputTokens": 999],
                ]
            ]
        }
        var accountant = TokenAccountant()
        #expect(accountant.observe(usage(100, 10))?.delta.total == 110)
        #expect(accountant.observe(usage(100, 10)) == nil, "a repeated total adds nothing")
        #expect(accountant.observe(usage(50, 5)) == nil, "a lower total never lowers the count")
        #expect(accountant.observe(usage(150, 12))?.delta == TokenTotals(input: 50, output: 2, total: 52))
        #expect(accountant.totals.total == 162)
        var resumed = TokenAccountant(startingFrom: TokenTotals(input: 150, output: 12, total: 162))
        #expect(resumed.observe(usage(150, 12)) == nil)
        #expect(accountant.observe(["tokenUsage": ["last": ["inputTokens": 1]]]) == nil, "`last` alone is ignored")
    }

    @Test func rateLimitUpdatesAreSparse() {
        var snapshot = RateLimitSnapshot()
        snapshot.merge(["limitId": "codex", "primary": ["usedPercent": 13, "windowDurationMins": 300, "resetsAt": 1_795_660_000], "secondary": nil])
        snapshot.merge([
            "limitId": "codex", "primary": nil, "secondary": ["usedPercent": 40],
            "credits": ["hasCredits": true, "unlimited": false, "balance": "12.5"],
        ])
        #expect(snapshot.primary?.usedPercent == 13 && snapshot.primary?.resetsAt == Date(timeIntervalSince1970: 1_795_660_000))
        #expect(snapshot.secondary?.usedPercent == 40 && snapshot.credits?.balance == "12.5" && snapshot.limitID == "codex")
    }

    @Test func policiesPassThroughAndTheTurnSandboxFollowsTheThreadSandbox() {
        var codex = CodexFixtures.codex(command: "codex app-server")
        var policies = SessionPolicies(codex: codex, workspacePath: "/ws/ABC-1", advertisesTools: false)
        #expect(policies.autoAcceptsApprovals && !policies.experimentalAPI)
        #expect(policies.turnSandboxPolicy == ["type": "workspaceWrite", "writableRoots": ["/ws/ABC-1"], "networkAccess": false])
        #expect(policies.threadStartParams(cwd: "/ws/ABC-1", tools: [])["dynamicTools"] == nil)

        codex.threadSandbox = "read-only"
        codex.approvalPolicy = .string("on-request")
        policies = SessionPolicies(codex: codex, workspacePath: "/ws/ABC-1", advertisesTools: true)
        #expect(policies.turnSandboxPolicy == ["type": "readOnly", "networkAccess": false] && !policies.autoAcceptsApprovals)
        #expect(policies.experimentalAPI)

        codex.turnSandboxPolicy = .map(["type": .string("dangerFullAccess")])
        codex.approvalPolicy = .map(["granular": .map(["rules": .bool(true)])])
        policies = SessionPolicies(codex: codex, workspacePath: "/ws/ABC-1", advertisesTools: false)
        #expect(policies.turnSandboxPolicy == ["type": "dangerFullAccess"] && policies.experimentalAPI)
        #expect(policies.turnStartParams(threadID: "t", text: "x", cwd: "/ws")["approvalPolicy"] == ["granular": ["rules": true]])
    }

    @Test func operatorAnswersUseEachMethodsSpelling() {
        let params: JSONValue = ["permissions": ["network": ["enabled": true]]]
        func result(_ answer: OperatorAnswer, _ kind: PendingServerRequest.Kind) -> JSONValue? {
            ServerRequests.result(for: answer, kind: kind, params: params)?.result
        }
        #expect(result(.approveForSession, .commandApproval) == ["decision": "acceptForSession"])
        #expect(result(.cancel, .fileChangeApproval) == ["decision": "cancel"])
        #expect(result(.approveForSession, .legacyCommandApproval) == ["decision": "approved_for_session"])
        #expect(result(.cancel, .legacyPatchApproval) == ["decision": "abort"])
        #expect(result(.approve, .permissionsApproval) == ["permissions": ["network": ["enabled": true]], "scope": "turn"])
        #expect(result(.decline, .permissionsApproval) == ["permissions": [:], "scope": "turn"])
        #expect(ServerRequests.result(for: .cancel, kind: .userInput, params: params)?.interrupt == true)
        #expect(result(.answers(["q": ["a"]]), .commandApproval) == nil)
        #expect(result(.approve, .userInput) == nil)
        #expect(result(.elicitation(.decline, content: nil), .elicitation) == ["action": "decline", "content": nil])
        #expect(ServerRequests.sessionAcceptance(.userInput, params: params) == nil || !ServerRequests.isApproval(.userInput))
        #expect(ServerRequests.route("item/tool/call") == .toolCall && ServerRequests.route("attestation/generate") == .unsupported)
    }

    /// What the runtime shows of a pending request, and how an operator's answer (already checked
    /// against what the request accepts) becomes the protocol's answer.
    @Test func agentRequestsAndAnswersMapBetweenTheRuntimeAndTheProtocol() {
        func pending(_ kind: PendingServerRequest.Kind, _ params: JSONValue, id: CodexRequestID = .int(7)) -> PendingServerRequest {
            ServerRequests.pending(id: id, method: "m", kind: kind, params: params, itemSummary: nil, receivedAt: Date())
        }
        let question = pending(
            .userInput,
            [
                "questions": [
                    ["id": "db", "header": "Store", "question": "Which database?", "options": [["label": "sqlite"], ["label": "postgres"]]],
                    ["id": "why", "header": "", "question": "Why?"],
                ]
            ])
        let asked = CodexAgentRunner.agentRequest(question)
        #expect(asked.id == "7" && asked.kind == "question")
        #expect(asked.summary == question.summary)
        #expect(
            asked.detail.questions == [
                .init(id: "db", header: "Store", question: "Which database?", options: ["sqlite", "postgres"], allowsOther: false),
                .init(id: "why", header: nil, question: "Why?", options: [], allowsOther: true),
            ])
        // A question's answer goes to each of its questions, as typed.
        #expect(CodexAgentRunner.answer("Postgres", for: question) == .answers(["db": ["Postgres"], "why": ["Postgres"]]))

        let command = pending(.commandApproval, ["command": "rm -rf build", "reason": "clean"], id: .string("req-1"))
        let approval = CodexAgentRunner.agentRequest(command)
        #expect(approval.id == "req-1" && approval.kind == "approval")
        #expect(approval.detail.command == "rm -rf build" && approval.detail.reason == "clean")
        #expect(CodexAgentRunner.agentRequest(pending(.legacyCommandApproval, ["command": ["git", "push"]])).detail.command == "git push")
        #expect(CodexAgentRunner.answer("approve", for: command) == .approve)
        #expect(CodexAgentRunner.answer(" Approve-Session ", for: command) == .approveForSession)
        #expect(CodexAgentRunner.answer("deny", for: command) == .decline)
        #expect(CodexAgentRunner.answer("cancel", for: command) == .cancel)
        // Words the Runtime API does not offer no longer approve anything.
        #expect(CodexAgentRunner.answer("yes", for: command) == .decline)

        let elicitation = pending(.elicitation, ["serverName": "docs", "message": "Pick a version"])
        let elicited = CodexAgentRunner.agentRequest(elicitation)
        #expect(elicited.kind == "elicitation" && elicited.detail.reason == "Pick a version")
        #expect(CodexAgentRunner.answer("accept", for: elicitation) == .elicitation(.accept, content: nil))
        #expect(CodexAgentRunner.answer("decline", for: elicitation) == .elicitation(.decline, content: nil))
        #expect(CodexAgentRunner.answer("cancel", for: elicitation) == .elicitation(.cancel, content: nil))
    }

    @Test func theIdleClockStopsWhileAnOperatorAnswerIsDueAndRestartsOnTheAnswer() async throws {
        let events = BoundedQueue<RunnerEvent>(capacity: 64)
        let codex = CodexFixtures.codex(command: "unused", approvalPolicy: .string("on-request"))
        let core = SessionCore(
            policies: SessionPolicies(codex: codex, workspacePath: "/ws", advertisesTools: false), tools: [], initialTokens: .zero,
            stderrTailLimit: 5, emitter: events)
        let outgoing = BoundedQueue<[UInt8]>(capacity: 64)
        let (_, jobs) = AsyncStream.makeStream(of: ToolJob.self)
        await core.connect(
            process: ProcessIdentity(pid: 1, processGroupID: 1, startTimeTicks: nil, launchedAt: Date()), outgoing: outgoing, toolJobs: jobs)
        let window = Duration.seconds(60)
        let before = try #require(await core.idleDeadline(after: window))
        let question: JSONValue = ["threadId": "t", "turnId": "u", "itemId": "i", "questions": [["id": "q", "header": "H", "question": "Q?"]]]
        await core.receive([.message(.request(id: .int(0), method: "item/tool/requestUserInput", params: question))])
        #expect(await core.idleDeadline(after: window) == nil, "no idle deadline while the operator decides")
        #expect(await core.snapshot().pendingRequests.map(\.kind) == [.userInput])
        #expect(try await core.answer(.int(0), with: .answers(["q": ["yes"]])) == false)
        let after = try #require(await core.idleDeadline(after: window))
        #expect(after >= before, "the answer restarts the window")
        await #expect(throws: CodexRunnerError.unknownRequest(.int(0))) { try await core.answer(.int(0), with: .decline) }
        await core.closeInput()
        var written: [String] = []
        while let line = await outgoing.next() { written.append(String(decoding: line, as: UTF8.self)) }
        #expect(written == [#"{"id":0,"result":{"answers":{"q":{"answers":["yes"]}}}}"# + "\n"])
    }

    @Test func ansiColoursAreStrippedFromDiagnostics() {
        #expect(StreamReaders.stripANSI("\u{1B}[2m12:00\u{1B}[0m \u{1B}[31mERROR\u{1B}[0m boom") == "12:00 ERROR boom")
        #expect(StreamReaders.stripANSI("plain") == "plain")
    }

    @Test func childEnvironmentDropsDeclaredSecrets() {
        let env = AppServerLaunch.environment(["PATH": "/bin", "LINEAR_API_KEY": "k", "HOME": "/h"], removing: ["LINEAR_API_KEY", "UNSET"])
        #expect(env == ["PATH": "/bin", "HOME": "/h"])
    }

    @Test func processStartTimeIsReadFromProc() {
        let own = ProcessIdentity.startTimeTicks(of: getpid())
        #expect(own != nil && own == ProcessIdentity.startTimeTicks(of: getpid()))
        #expect(ProcessIdentity.startTimeTicks(of: -5) == nil)
    }

    @Test func defaultContinuationGuidanceNamesTheIssueAndTheTurn() {
        let text = CodexRunRequest.defaultContinuationGuidance(identifier: "ABC-1", turn: 3, maxTurns: 20)
        #expect(text.contains("ABC-1") && text.contains("turn 3 of at most 20") && text.contains("do not start over"))
    }
}
