internal import Foundation
import Runtime

/// What the stdout reader delivers: responses settle our requests, notifications become events and
/// telemetry, server requests are routed to tools, policy or an operator. Everything runs on the
/// core, in line order.
extension SessionCore {
    /// Handles what the stdout reader parsed from one read.
    func receive(_ batch: [ReaderItem]) {
        // After a verdict of garbage output the rest is read (so the process never blocks on a full
        // pipe while it is stopped) and dropped.
        guard !batch.isEmpty, fatal == nil else { return }
        lastActivity = .now
        lastActivityDate = Date()
        items: for item in batch {
            switch item {
            case .message(let message):
                gauge.record(nil)
                handle(message)
            case .malformed(let malformed):
                emit(.malformedLine(malformed))
                if gauge.record(malformed) {
                    failOutput(.malformedOutput(OutputGauge.threshold, of: OutputGauge.window, last: gauge.tail.last ?? ""))
                    break items
                }
            }
        }
        flushDeltaBurst()
    }

    private func handle(_ message: IncomingMessage) {
        switch message {
        case .response(let id, let result):
            deliver(.success(result), to: id)
        case .errorResponse(let id, let error):
            if case .int(let number) = id {
                deliver(.failure(CodexRunnerError.responseError(method: method(ofRequest: number), code: error.code, message: error.message)), to: id)
            } else {
                unexpectedResponse(id)
            }
        case .notification(let method, let params):
            lastEvent = method
            handleNotification(method, params)
        case .request(let id, let method, let params):
            lastEvent = method
            handleServerRequest(id: id, method: method, params: params)
        }
    }

    /// Our ids are integers; a reply to anything we are not waiting for is reported and dropped.
    /// Thread and turn bookkeeping happens here, in line order, so the notifications that follow a
    /// response (a fast turn may complete right after `turn/start`'s reply) already see it.
    private func deliver(_ result: Result<JSONValue, any Error>, to id: CodexRequestID) {
        guard case .int(let number) = id, let method = requestMethods[number] else { return unexpectedResponse(id) }
        if detachedRequests.remove(number) != nil {
            requestMethods[number] = nil
            if case .failure(let error) = result { emit(.warning("\(method) failed: \(error)")) }
            return
        }
        if case .success(let value) = result { record(value, of: method) }
        if replies.resolve(number, with: result) {
            requestMethods[number] = nil
        } else {
            unexpectedResponse(id)
        }
    }

    private func record(_ result: JSONValue, of method: String) {
        switch method {
        case "thread/start", "thread/resume":
            guard let id = result["thread"]?["id"]?.stringValue else { return }
            let resumed = method == "thread/resume"
            threadID = id
            // A new thread counts from zero; only a resumed one continues the recorded totals.
            if !resumed { accountant = TokenAccountant() }
            if let process {
                emit(.sessionStarted(SessionStarted(threadID: id, resumed: resumed, process: process, model: result["model"]?.stringValue)))
            }
        case "turn/start":
            guard let turnID = result["turn"]?["id"]?.stringValue else { return }
            turnsStarted += 1
            let started = TurnStarted(turnID: turnID, sessionID: "\(threadID ?? "")-\(turnID)", number: turnsStarted)
            currentTurn = started
            lastAgentMessage = nil
            emit(.turnStarted(started))
        default:
            break
        }
    }

    private func unexpectedResponse(_ id: CodexRequestID) {
        emit(.malformedLine(MalformedLine(reason: "unexpected_response", byteCount: 0, excerpt: "response to unknown request \(id)")))
    }

    private func handleNotification(_ method: String, _ params: JSONValue) {
        switch method {
        case "turn/started":
            turnBecameActive(params["turn"]?["id"]?.stringValue)
            activity(method, nil)
        case "turn/completed":
            completeTurn(params)
        case "thread/tokenUsage/updated":
            if let update = accountant.observe(params) { emit(.tokenUsage(update)) }
        case "account/rateLimits/updated":
            rateLimits.merge(params["rateLimits"] ?? .null)
            emit(.rateLimits(rateLimits))
        case "error":
            guard let error = TurnError(params["error"]) else { return activity(method, nil) }
            emit(
                .serverError(
                    ServerErrorReport(error: error, willRetry: params["willRetry"]?.boolValue ?? false, turnID: params["turnId"]?.stringValue)))
        case "warning", "configWarning", "deprecationNotice":
            emit(.warning(params["message"]?.stringValue ?? params["summary"]?.stringValue ?? method))
        case "serverRequest/resolved":
            if let id = params["requestId"].flatMap(CodexRequestID.init), operatorRequests.removeValue(forKey: id) != nil {
                emit(.operatorRequestResolved(id: id, answered: false))
            }
            activity(method, nil)
        case "item/started", "item/completed":
            activity(method, describeItem(params["item"], completed: method == "item/completed"))
        case _ where method.hasSuffix("/delta") || method.hasSuffix("Delta"):
            if deltaBurst?.method == method {
                deltaBurst?.count += 1
            } else {
                flushDeltaBurst()
                deltaBurst = AgentActivity(method: method, message: nil)
            }
        default:
            activity(method, nil)
        }
    }

    private func activity(_ method: String, _ message: String?) {
        if let message { lastMessage = message }
        emit(.activity(AgentActivity(method: method, message: message)))
    }

    /// Short text for items worth showing; remembers file-change paths for approval summaries.
    private func describeItem(_ item: JSONValue?, completed: Bool) -> String? {
        guard let item, let id = item["id"]?.stringValue else { return nil }
        switch item["type"]?.stringValue {
        case "agentMessage" where completed:
            let text = Self.shorten(item["text"]?.stringValue ?? "")
            lastAgentMessage = text
            return text
        case "commandExecution" where !completed:
            return "running `\(Self.shorten(item["command"]?.stringValue ?? ""))`"
        case "fileChange" where !completed:
            let paths = item["changes"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
            let summary = "change \(paths.joined(separator: ", "))"
            itemSummaries[id] = summary
            return summary
        case "dynamicToolCall" where !completed:
            return "calling \(item["tool"]?.stringValue ?? "a tool")"
        default:
            return nil
        }
    }

    private func completeTurn(_ params: JSONValue) {
        guard let turn = params["turn"], let turnID = turn["id"]?.stringValue else {
            return emit(.malformedLine(MalformedLine(reason: "unknown_shape", byteCount: 0, excerpt: "turn/completed without turn.id")))
        }
        let number = currentTurn?.turnID == turnID ? currentTurn?.number ?? turnsStarted : turnsStarted
        let result = TurnResult(
            turnID: turnID, sessionID: "\(threadID ?? "")-\(turnID)", number: number,
            status: TurnStatus(turn["status"]?.stringValue ?? ""), error: TurnError(turn["error"]), lastAgentMessage: lastAgentMessage)
        if currentTurn?.turnID == turnID { currentTurn = nil }
        if activeTurnID == turnID { activeTurnID = nil }
        if interruptWhenActive == turnID { interruptWhenActive = nil }
        lastEvent = "turn/completed"
        emit(.turnCompleted(result))
        turnEnds.resolve(turnID, with: .success(result), evenIfUnexpected: true)
    }

    private func handleServerRequest(id: CodexRequestID, method: String, params: JSONValue) {
        switch ServerRequests.route(method) {
        case .toolCall:
            let job = ToolJob(
                id: id, callID: params["callId"]?.stringValue, tool: params["tool"]?.stringValue ?? "", arguments: params["arguments"] ?? .null)
            activity(method, "calling \(job.tool)")
            // A flood of tool calls must not become a flood of tasks: past the limit, fail at once.
            guard toolCallsInFlight < Self.maxToolCallsInFlight else {
                respond(id, AgentToolResult.failure("too many tool calls at once; wait for the earlier ones").response)
                return
            }
            toolCallsInFlight += 1
            toolJobs?.yield(job)
        case .operatorDecision(let kind):
            let pending = ServerRequests.pending(
                id: id, method: method, kind: kind, params: params,
                itemSummary: params["itemId"]?.stringValue.flatMap { itemSummaries[$0] }, receivedAt: Date())
            if policies.autoAcceptsApprovals, ServerRequests.isApproval(kind), let result = ServerRequests.sessionAcceptance(kind, params: params) {
                respond(id, result)
                emit(.approvalAutoAccepted(method: method, summary: pending.summary))
            } else {
                operatorRequests[id] = pending
                lastMessage = pending.summary
                emit(.operatorInputRequested(pending))
            }
        case .unsupported:
            outgoing?.push(WireFormat.errorResponse(id: id, code: -32601, message: "maestro does not handle \(method)"))
            emit(.unsupportedServerRequest(method: method))
        }
    }

    private func turnBecameActive(_ turnID: String?) {
        guard let turnID else { return }
        activeTurnID = turnID
        guard interruptWhenActive == turnID, let threadID, let outgoing else { return }
        interruptWhenActive = nil
        let id = nextRequestID
        nextRequestID += 1
        requestMethods[id] = "turn/interrupt"
        detachedRequests.insert(id)
        outgoing.push(WireFormat.request(id: id, method: "turn/interrupt", params: ["threadId": .string(threadID), "turnId": .string(turnID)]))
    }
}
