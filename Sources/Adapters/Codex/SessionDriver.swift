import Runtime
internal import WorkflowParser

/// The conversation of one run: handshake, thread, turns. Requests wait for their replies through
/// the core, while the reader task keeps dispatching everything else.
struct SessionDriver: Sendable {
    let core: SessionCore
    let request: CodexRunRequest
    let options: CodexRunnerOptions

    private var readTimeout: Duration { .milliseconds(request.codex.readTimeoutMs) }

    /// Runs the whole conversation and says how it ended. Never throws: every failure is an ending.
    func converse(shouldContinue: @Sendable (TurnResult) async -> Bool) async -> RunEnding {
        do {
            try await handshake()
            let threadID = try await openThread()
            await nameThread(threadID)
            var number = 1
            var text = request.prompt
            while true {
                let result = try await runTurn(threadID: threadID, text: text)
                switch result.status {
                case .completed: break
                case .interrupted: return .cancelled
                case .failed, .unknown: return .failed(.turnFailed(result.error))
                }
                if number >= request.maxTurns { return .maxTurnsReached }
                let proceed = await shouldContinue(result)
                if await core.stopRequested { return .stopped }
                guard proceed else { return .finished }
                number += 1
                text = request.continuationGuidance(number)
            }
        } catch let error as CodexRunnerError {
            // Cancellation also ends the readers and the writer, so it can surface as an exit.
            let stopping = await core.stopRequested
            if Task.isCancelled || stopping { return .stopped }
            return .failed(error)
        } catch {
            // StopRequested, or the run's task was cancelled: leave politely.
            await interruptRunningTurn()
            return .stopped
        }
    }

    /// The handshake alone, for a probe of the command: `finished` when the server answered.
    func handshakeOnly() async -> RunEnding {
        do {
            try await handshake()
            return .finished
        } catch let error as CodexRunnerError {
            return .failed(error)
        } catch {
            return .stopped
        }
    }

    /// The handshake and an ephemeral `thread/start` with the configured approval policy and
    /// sandbox: does the server accept them? `finished` when it did; no turn starts.
    func policyCheck() async -> RunEnding {
        do {
            try await handshake()
            guard case .object(var params) = core.policies.threadStartParams(cwd: request.workspacePath, tools: []) else { return .finished }
            params["ephemeral"] = true
            _ = try await call("thread/start", .object(params))
            return .finished
        } catch let error as CodexRunnerError {
            return .failed(error)
        } catch {
            return .stopped
        }
    }

    /// Sends `method` and waits up to `read_timeout_ms` for its response.
    func call(_ method: String, _ params: JSONValue) async throws -> JSONValue {
        let id = try await core.startRequest(method, params: params)
        let replies = core.replies
        guard let reply = try await withTimeout(readTimeout, { try await replies.wait(for: id) }) else {
            await core.abandonRequest(id)
            throw CodexRunnerError.responseTimeout(method: method)
        }
        return reply
    }

    private func handshake() async throws {
        var params: [String: JSONValue] = [
            "clientInfo": ["name": .string(options.clientName), "title": .string(options.clientTitle), "version": .string(options.clientVersion)]
        ]
        if core.policies.experimentalAPI { params["capabilities"] = ["experimentalApi": true] }
        _ = try await call("initialize", .object(params))
        await core.sendInitialized()
    }

    private func openThread() async throws -> String {
        let cwd = request.workspacePath
        if let resume = request.resume {
            do {
                let result = try await call("thread/resume", core.policies.threadResumeParams(threadID: resume.threadID, cwd: cwd))
                return try await opened(result, resumed: true)
            } catch CodexRunnerError.responseError(_, _, let message) {
                await core.emit(.warning("could not resume thread \(resume.threadID) (\(message)); starting a new thread"))
            }
        }
        let result = try await call("thread/start", core.policies.threadStartParams(cwd: cwd, tools: core.tools))
        return try await opened(result, resumed: false)
    }

    /// The core has already recorded the thread (and announced the session) when the reply arrived.
    private func opened(_ result: JSONValue, resumed: Bool) async throws -> String {
        guard let threadID = result["thread"]?["id"]?.stringValue else {
            throw CodexRunnerError.protocolViolation("\(resumed ? "thread/resume" : "thread/start") returned no thread id")
        }
        return threadID
    }

    /// A failed rename costs only the label, so it is a warning, not a failure.
    private func nameThread(_ threadID: String) async {
        do {
            _ = try await call("thread/name/set", ["threadId": .string(threadID), "name": .string(request.threadName)])
        } catch {
            await core.emit(.warning("thread/name/set failed: \(error)"))
        }
    }

    private func runTurn(threadID: String, text: String) async throws -> TurnResult {
        let params = core.policies.turnStartParams(threadID: threadID, text: text, cwd: request.workspacePath)
        let response = try await call("turn/start", params)
        guard let turnID = response["turn"]?["id"]?.stringValue else {
            throw CodexRunnerError.protocolViolation("turn/start returned no turn id")
        }
        let result = try await awaitTurnEnd(turnID)
        await core.turnFinished()
        return result
    }

    /// Waits for `turn/completed`, or for `turn_timeout_ms` of silence, whichever comes first.
    private func awaitTurnEnd(_ turnID: String) async throws -> TurnResult {
        let turnEnds = core.turnEnds
        let core = core
        let timeout = Duration.milliseconds(request.codex.turnTimeoutMs)
        return try await withThrowingTaskGroup(of: TurnResult?.self) { group in
            group.addTask { try await turnEnds.wait(for: turnID) }
            group.addTask {
                try await Self.waitForSilence(of: timeout, core: core)
                return nil
            }
            defer { group.cancelAll() }
            guard let result = try await group.next()! else { throw CodexRunnerError.turnTimeout }
            return result
        }
    }

    /// Returns once the server has been silent for `timeout`. Any output moves the deadline; the
    /// clock stops while an operator answer is due.
    static func waitForSilence(of timeout: Duration, core: SessionCore) async throws {
        while true {
            guard let deadline = await core.idleDeadline(after: timeout) else {
                try await Task.sleep(for: min(timeout, .seconds(1)))
                continue
            }
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(until: deadline, clock: .continuous)
        }
    }

    /// On the way out of a live turn, ask the server to stop it, briefly; closing stdin follows anyway.
    private func interruptRunningTurn() async {
        guard !(await core.outputEnded), let ids = try? await core.interruptNowOrWhenActive() else { return }
        let bounded = SessionDriver(
            core: core, request: request.withReadTimeout(min(request.codex.readTimeoutMs, 2_000)), options: options)
        _ = try? await bounded.call("turn/interrupt", ["threadId": .string(ids.threadID), "turnId": .string(ids.turnID)])
    }
}

extension CodexRunRequest {
    fileprivate func withReadTimeout(_ milliseconds: Int) -> CodexRunRequest {
        var copy = self
        copy.codex.readTimeoutMs = milliseconds
        return copy
    }
}
