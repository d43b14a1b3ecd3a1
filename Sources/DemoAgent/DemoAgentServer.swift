public import Foundation
import Runtime

/// The built-in demo agent: a scripted stand-in for `codex app-server` that speaks its protocol
/// over stdio, so `maestro demo` shows the whole loop without the Codex CLI or an account.
///
/// It is plainly not a model: each turn plays the ``DemoScript`` plan its prompt's `demo.*` lines
/// select, writing real files in the workspace and calling the tools maestro advertised.
public actor DemoAgentServer {
    public static let version = "maestro-demo-agent 0.1.0"

    /// How a reply to one of the agent's requests came back.
    enum Reply {
        case result(JSONValue)
        case error(String)
        /// The turn was interrupted, or stdin closed, before the reply.
        case abandoned
    }

    struct Turn {
        var id: String
        var startedAt: Date
        var lastMessage: JSONValue?
        var answer: String?
    }

    private let write: @Sendable (String) -> Void
    private let beat: Duration
    private let now: @Sendable () -> Date
    private var initialized = false
    private var threadID: String?
    private var cwd = FileManager.default.currentDirectoryPath
    private var tools: Set<String> = []
    private var turn: Turn?
    /// The first turn's directives: continuation turns carry only guidance.
    private var directives: DemoDirectives?
    private var promptText: String?
    private var nextRequestID = 0
    private var waiting: [Int: CheckedContinuation<Reply, Never>] = [:]
    private var items = 0
    private var tokens = (input: 0, output: 0)

    /// - Parameters:
    ///   - beat: the pace of the script: one `pause` beat.
    ///   - write: writes one line (without its newline) to the client.
    public init(beat: Duration, now: @escaping @Sendable () -> Date = Date.init, write: @escaping @Sendable (String) -> Void) {
        self.beat = beat
        self.now = now
        self.write = write
    }

    /// Serves one client until `lines` ends (stdin closed); then returns at once, like the real
    /// server, abandoning a turn in progress.
    public func serve(_ lines: AsyncStream<String>) async {
        await withTaskGroup(of: Void.self) { group in
            for await line in lines {
                if let started = receive(line) {
                    group.addTask { await self.play(started.steps, turn: started.id) }
                }
            }
            abandonWaiting()
            group.cancelAll()
        }
    }

    // MARK: - Incoming lines

    /// Handles one line; returns the plan of a turn it started.
    func receive(_ line: String) -> (id: String, steps: [DemoStep])? {
        guard let message = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), message.objectValue != nil else {
            return nil  // like the real server: a bad line gets no reply
        }
        if let method = message["method"]?.stringValue {
            guard let id = message["id"] else { return nil }  // notifications (`initialized`) need nothing
            return request(method, id: id, params: message["params"] ?? [:])
        }
        if let id = message["id"]?.intValue, let waiter = waiting.removeValue(forKey: id) {
            if let result = message["result"] {
                waiter.resume(returning: .result(result))
            } else {
                waiter.resume(returning: .error(message["error"]?["message"]?.stringValue ?? "error"))
            }
        }
        return nil
    }

    private func request(_ method: String, id: JSONValue, params: JSONValue) -> (id: String, steps: [DemoStep])? {
        if method == "initialize" {
            if initialized { return reject(id, "Already initialized") }
            guard params["clientInfo"] != nil else { return reject(id, "Invalid request: missing field `clientInfo`") }
            initialized = true
            send(
                AppServerWire.response(
                    id: id,
                    result: [
                        "userAgent": .string("\(Self.version) (a scripted demo, not a model)"), "codexHome": .string(cwd),
                        "platformFamily": "unix", "platformOs": "linux",
                    ]))
            return nil
        }
        guard initialized else { return reject(id, "Not initialized") }
        switch method {
        case "thread/start", "thread/resume":
            startThread(id: id, params: params, resumed: method == "thread/resume")
        case "thread/name/set":
            send(AppServerWire.response(id: id, result: [:]))
            notify("thread/name/updated", ["threadId": params["threadId"] ?? nil, "threadName": params["name"] ?? nil])
        case "turn/start":
            return startTurn(id: id, params: params)
        case "turn/interrupt":
            guard let current = turn, params["turnId"]?.stringValue == current.id else {
                return reject(id, "no running turn \(params["turnId"]?.stringValue ?? "")")
            }
            send(AppServerWire.response(id: id, result: [:]))
            finish(status: "interrupted")
        default:
            return reject(id, "Invalid request: unknown variant `\(method)`")
        }
        return nil
    }

    private func reject(_ id: JSONValue, _ message: String) -> (id: String, steps: [DemoStep])? {
        send(AppServerWire.error(id: id, message: message))
        return nil
    }

    private func startThread(id: JSONValue, params: JSONValue, resumed: Bool) {
        if let directory = params["cwd"]?.stringValue, directory.hasPrefix("/") { cwd = directory }
        let thread: String
        if resumed {
            // Like Codex, a resumed thread keeps its tools and token totals (from the workspace,
            // where the demo agent keeps its "rollout").
            guard let requested = params["threadId"]?.stringValue, let saved = DemoThreadRecord.load(path(DemoThreadRecord.file)),
                saved.id == requested
            else {
                send(AppServerWire.error(id: id, message: "thread not found: \(params["threadId"]?.stringValue ?? "")"))
                return
            }
            thread = requested
            tools = Set(saved.tools)
            tokens = (saved.inputTokens, saved.outputTokens)
            promptText = saved.prompt
            directives = saved.prompt.map(DemoDirectives.parse)
        } else {
            thread = UUID().uuidString.lowercased()
            tools = Set((params["dynamicTools"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
            tokens = (0, 0)
            directives = nil
            promptText = nil
        }
        threadID = thread
        save()
        let object = AppServerWire.thread(id: thread, cwd: cwd, at: now())
        send(
            AppServerWire.response(
                id: id,
                result: [
                    "thread": object, "model": "maestro-demo", "modelProvider": "maestro-demo", "cwd": .string(cwd),
                    "approvalPolicy": params["approvalPolicy"] ?? "never", "approvalsReviewer": "user",
                    "sandbox": AppServerWire.sandboxPolicy(params["sandbox"]?.stringValue),
                ]))
        notify("thread/started", ["thread": object])
    }

    private func startTurn(id: JSONValue, params: JSONValue) -> (id: String, steps: [DemoStep])? {
        guard let thread = threadID, params["threadId"]?.stringValue == thread else {
            return reject(id, "thread not found: \(params["threadId"]?.stringValue ?? "")")
        }
        guard turn == nil else { return reject(id, "a turn is already running on thread \(thread)") }
        let prompt = (params["input"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        let turnID = UUID().uuidString.lowercased()
        let started = now()
        turn = Turn(id: turnID, startedAt: started)
        send(AppServerWire.response(id: id, result: ["turn": AppServerWire.turn(id: turnID, status: "inProgress", startedAt: nil, completedAt: nil)]))
        status(["type": "active", "activeFlags": []])
        notify("turn/started", ["threadId": .string(thread), "turn": AppServerWire.turn(id: turnID, status: "inProgress", startedAt: started, completedAt: nil)])
        let user = AppServerWire.userMessage(id: UUID().uuidString.lowercased(), text: prompt)
        itemStarted(user)
        itemCompleted(user)
        let facts = DemoWorkspaceFacts(
            failedBefore: FileManager.default.fileExists(atPath: path(DemoScript.failureMarker)), tools: tools)
        let given = DemoDirectives.parse(prompt)
        if given != DemoDirectives() || directives == nil {
            directives = given
            promptText = prompt
            save()
        }
        return (turnID, DemoScript.plan(directives ?? given, facts: facts))
    }

    // MARK: - Playing a turn

    private func play(_ steps: [DemoStep], turn id: String) async {
        for step in steps {
            guard turn?.id == id, !Task.isCancelled else { return }
            switch step {
            case .say(let text): await say(text)
            case .pause(let beats): guard await rest(beats) else { return }
            case .tokens(let input, let output): reportTokens(input: input, output: output)
            case .ask(let question): guard await ask(question) else { return }
            case .write(let file, let text): writeFile(file, text: text.replacingOccurrences(of: "{answer}", with: turn?.answer ?? "(no answer)"))
            case .tool(let name, let arguments): guard await callTool(name, arguments: arguments) else { return }
            case .fail(let message, let marker):
                _ = FileManager.default.createFile(atPath: path(marker), contents: Data("\(message)\n".utf8))
                fail(message)
                return
            case .work(let beats):
                // A long job's step lasts at least a second whatever the beat, so even a fast demo
                // (or a slow machine) has time to see it running and cancel it.
                let step = max(beat, .seconds(1))
                for done in 0..<beats {
                    guard await rest(step), turn?.id == id else { return }
                    if done % 5 == 4 {
                        await say("Still working on it (\(done + 1) of \(beats) steps).")
                        reportTokens(input: 200, output: 30)
                    }
                }
            }
        }
        guard turn?.id == id else { return }
        finish(status: "completed")
    }

    private func rest(_ beats: Int) async -> Bool {
        await rest(beat * beats)
    }

    private func rest(_ duration: Duration) async -> Bool {
        do {
            try await Task.sleep(for: duration)
            return true
        } catch {
            return false
        }
    }

    private func say(_ text: String) async {
        guard let current = turn, let thread = threadID else { return }
        let item = nextItem("msg")
        itemStarted(AppServerWire.agentMessage(id: item, text: ""))
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let chunk = max(1, (words.count + 2) / 3)
        for start in stride(from: 0, to: words.count, by: chunk) {
            let piece = words[start..<min(words.count, start + chunk)].joined(separator: " ") + (start + chunk < words.count ? " " : "")
            notify(
                "item/agentMessage/delta",
                ["threadId": .string(thread), "turnId": .string(current.id), "itemId": .string(item), "delta": .string(piece)])
        }
        let message = AppServerWire.agentMessage(id: item, text: text)
        itemCompleted(message)
        turn?.lastMessage = message
    }

    private func reportTokens(input: Int, output: Int) {
        guard let current = turn, let thread = threadID else { return }
        tokens.input += input
        tokens.output += output
        save()
        notify(
            "thread/tokenUsage/updated",
            [
                "threadId": .string(thread), "turnId": .string(current.id),
                "tokenUsage": [
                    "total": AppServerWire.tokenBreakdown(input: tokens.input, output: tokens.output),
                    "last": AppServerWire.tokenBreakdown(input: input, output: output), "modelContextWindow": 200_000,
                ],
            ])
        let used = min(99, 2 + (tokens.input + tokens.output) / 2_000)
        notify("account/rateLimits/updated", ["rateLimits": AppServerWire.rateLimits(usedPercent: used, at: now())])
    }

    private func ask(_ question: DemoQuestion) async -> Bool {
        guard let current = turn, let thread = threadID else { return false }
        status(["type": "active", "activeFlags": ["waitingOnUserInput"]])
        let params: JSONValue = [
            "threadId": .string(thread), "turnId": .string(current.id), "itemId": .string(nextItem("call_ask")),
            "questions": [
                [
                    "id": .string(question.id), "header": .string(question.header), "question": .string(question.question),
                    "isOther": true, "isSecret": false,
                    "options": .array(question.options.map { ["label": .string($0), "description": .string("answer \($0)")] }),
                ]
            ],
            "isBlocking": true, "autoResolutionMs": nil,
        ]
        let (requestID, reply) = await call("item/tool/requestUserInput", params)
        guard case .result(let result) = reply else {
            if case .error = reply { await say("No answer came; going on with the first option.") }
            return reply.isAbandoned ? false : true
        }
        notify("serverRequest/resolved", ["threadId": .string(thread), "requestId": .int(requestID)])
        status(["type": "active", "activeFlags": []])
        let answer = result["answers"]?[question.id]?["answers"]?.arrayValue?.first?.stringValue
        turn?.answer = answer
        await say(answer.map { "Thanks: using “\($0)”." } ?? "No answer given; using the first option.")
        return true
    }

    private func callTool(_ name: String, arguments: [String: String]) async -> Bool {
        guard tools.contains(name), let current = turn, let thread = threadID else { return true }
        let item = nextItem("call_tool")
        let args = JSONValue.object(arguments.mapValues(JSONValue.string))
        itemStarted(AppServerWire.toolCall(id: item, tool: name, arguments: args, status: "inProgress"))
        let (requestID, reply) = await call(
            "item/tool/call",
            ["threadId": .string(thread), "turnId": .string(current.id), "callId": .string(item), "namespace": nil, "tool": .string(name), "arguments": args])
        let outcome: JSONValue
        switch reply {
        case .abandoned: return false
        case .result(let result): outcome = result
        case .error: outcome = ["success": false, "contentItems": [["type": "inputText", "text": "dynamic tool request failed"]]]
        }
        let succeeded = outcome["success"]?.boolValue ?? false
        itemCompleted(AppServerWire.toolCall(id: item, tool: name, arguments: args, status: succeeded ? "completed" : "failed", reply: outcome))
        notify("serverRequest/resolved", ["threadId": .string(thread), "requestId": .int(requestID)])
        return true
    }

    private func writeFile(_ name: String, text: String) {
        let target = path(name)
        let item = nextItem("patch")
        itemStarted(AppServerWire.fileChange(id: item, path: target, text: text, status: "inProgress"))
        let written = FileManager.default.createFile(atPath: target, contents: Data(text.utf8))
        itemCompleted(AppServerWire.fileChange(id: item, path: target, text: text, status: written ? "completed" : "failed"))
    }

    private func fail(_ message: String) {
        guard let current = turn, let thread = threadID else { return }
        let error: JSONValue = ["message": .string(message), "codexErrorInfo": "other", "additionalDetails": nil]
        notify("error", ["error": error, "willRetry": false, "threadId": .string(thread), "turnId": .string(current.id)])
        status(["type": "systemError"])
        completeTurn(status: "failed", error: error)
    }

    /// Ends the current turn; a pending request is answered by nobody now, so it is resolved.
    private func finish(status turnStatus: String) {
        guard let thread = threadID else { return }
        for (id, waiter) in waiting {
            waiter.resume(returning: .abandoned)
            notify("serverRequest/resolved", ["threadId": .string(thread), "requestId": .int(id)])
        }
        waiting = [:]
        status(["type": "idle"])
        completeTurn(status: turnStatus, error: nil)
    }

    private func completeTurn(status turnStatus: String, error: JSONValue) {
        guard let current = turn, let thread = threadID else { return }
        turn = nil
        let items = current.lastMessage.map { [$0] } ?? []
        notify(
            "turn/completed",
            [
                "threadId": .string(thread),
                "turn": AppServerWire.turn(
                    id: current.id, status: turnStatus, items: items, error: error, startedAt: current.startedAt, completedAt: now()),
            ])
    }

    // MARK: - Wire

    /// Sends a request to the client and waits for its reply.
    private func call(_ method: String, _ params: JSONValue) async -> (Int, Reply) {
        let id = nextRequestID
        nextRequestID += 1
        let reply = await withCheckedContinuation { continuation in
            waiting[id] = continuation
            send(AppServerWire.request(id: id, method: method, params: params))
        }
        return (id, reply)
    }

    private func abandonWaiting() {
        for waiter in waiting.values { waiter.resume(returning: .abandoned) }
        waiting = [:]
        turn = nil
    }

    private func status(_ value: JSONValue) {
        guard let thread = threadID else { return }
        notify("thread/status/changed", ["threadId": .string(thread), "status": value])
    }

    private func itemStarted(_ item: JSONValue) {
        guard let current = turn, let thread = threadID else { return }
        notify(
            "item/started",
            ["item": item, "threadId": .string(thread), "turnId": .string(current.id), "startedAtMs": .int(AppServerWire.milliseconds(now()))])
    }

    private func itemCompleted(_ item: JSONValue) {
        guard let current = turn, let thread = threadID else { return }
        notify(
            "item/completed",
            ["item": item, "threadId": .string(thread), "turnId": .string(current.id), "completedAtMs": .int(AppServerWire.milliseconds(now()))])
    }

    private func notify(_ method: String, _ params: JSONValue) { send(AppServerWire.notification(method, params, at: now())) }

    private func send(_ message: JSONValue) { write(message.compactText) }

    /// Keeps what a resumed thread needs.
    private func save() {
        guard let threadID else { return }
        let record = DemoThreadRecord(
            id: threadID, tools: tools.sorted(), inputTokens: tokens.input, outputTokens: tokens.output, prompt: promptText)
        record.save(path(DemoThreadRecord.file))
    }

    private func nextItem(_ prefix: String) -> String {
        items += 1
        return "\(prefix)_\(items)"
    }

    /// A file in the workspace: names from the script only, never a path that leaves it.
    private func path(_ name: String) -> String {
        URL(fileURLWithPath: cwd).appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent).path
    }
}

extension DemoAgentServer.Reply {
    var isAbandoned: Bool {
        if case .abandoned = self { return true }
        return false
    }
}

/// The demo agent's "rollout": what `thread/resume` restores, kept in the workspace.
struct DemoThreadRecord: Codable {
    static let file = ".maestro-demo-thread.json"
    var id: String
    var tools: [String]
    var inputTokens: Int
    var outputTokens: Int
    /// The first turn's prompt, whose `demo.*` lines continuation turns follow.
    var prompt: String?

    static func load(_ path: String) -> DemoThreadRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(DemoThreadRecord.self, from: data)
    }

    func save(_ path: String) {
        guard let data = try? JSONEncoder().encode(self) else { return }
        _ = FileManager.default.createFile(atPath: path, contents: data)
    }
}
