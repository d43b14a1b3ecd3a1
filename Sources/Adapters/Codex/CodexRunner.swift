public import Foundation
public import Logging
internal import Runtime
internal import Subprocess
internal import Synchronization
internal import WorkflowParser

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Runs one Codex `app-server` session for one issue and reports it as ``RunnerEvent``s.
///
/// The runner launches `bash -lc <codex.command>` in the issue's workspace, performs the handshake,
/// starts (or resumes) a thread named `<identifier>: <title>`, runs the first turn with the rendered
/// prompt and, while `shouldContinue` agrees, continuation turns on the same thread up to
/// `agent.max_turns`. It answers every server request: dynamic tool calls through the
/// ``AgentToolProvider``, approvals by policy, and anything only an operator can decide by waiting for
/// ``answer(_:with:)``. When the run ends it closes stdin, then signals the whole process group until
/// nothing of it is left.
///
/// ```swift
/// let runner = CodexRunner(request: request, tools: kanbanTools)
/// async let outcome = runner.run { turn in await issueIsStillActive() }
/// for await event in runner.events { record(event) }
/// let result = await outcome
/// ```
///
/// `events` ends after the run has ended, with ``RunnerEvent/Kind/processExited(_:)`` as the
/// last event when a process was launched. A runner runs once.
public final class CodexRunner: Sendable {
    public let request: CodexRunRequest
    public let options: CodexRunnerOptions
    /// Everything that happens, in order. Consume it concurrently with ``run(shouldContinue:)``.
    public let events: AsyncStream<RunnerEvent>

    private let emitter: BoundedQueue<RunnerEvent>
    private let core: SessionCore
    private let provider: (any AgentToolProvider)?
    private let advertisedTools: Set<String>
    private let hasRun = Mutex(false)
    private let logger: Logger

    /// - Parameters:
    ///   - request: the issue, workspace, prompt and `codex` settings of this run.
    ///   - tools: the tracker's tools for this issue; their specs are read once, now.
    ///   - options: limits and grace periods; the defaults suit production.
    ///   - logger: receives lifecycle and diagnostic messages.
    public init(
        request: CodexRunRequest, tools: (any AgentToolProvider)? = nil, options: CodexRunnerOptions = CodexRunnerOptions(),
        logger: Logger = Logger(label: "maestro.codex")
    ) {
        // A write to the stdin of an exited app-server must fail with EPIPE, not kill the daemon.
        signal(SIGPIPE, SIG_IGN)
        self.request = request
        self.options = options
        self.provider = tools
        self.logger = logger
        let specs = tools?.toolSpecs ?? []
        self.advertisedTools = Set(specs.map(\.name))
        // Bounded: when the consumer falls behind, the pipe readers stop and the agent's writes
        // block in its own pipe, so a flooding agent cannot grow the daemon's memory.
        emitter = BoundedQueue(capacity: options.eventBacklog)
        events = emitter.stream()
        core = SessionCore(
            policies: SessionPolicies(codex: request.codex, workspacePath: request.workspacePath, advertisesTools: !specs.isEmpty),
            tools: specs, initialTokens: request.resume?.tokenTotals ?? .zero, stderrTailLimit: options.stderrTailLines,
            emitter: emitter)
    }

    // MARK: - Running

    /// Runs the session to its end and returns how it ended. Never throws: failures are endings.
    ///
    /// - Parameter shouldContinue: asked after each completed turn (unless `max_turns` is reached)
    ///   whether to run a continuation turn; typically "is the issue still active in the tracker?".
    public func run(shouldContinue: @escaping @Sendable (TurnResult) async -> Bool = { _ in false }) async -> RunOutcome {
        guard claimTheRun() else {
            return RunOutcome(ending: .failed(.alreadyRunning), threadID: nil, turns: 0, tokenTotals: .zero, exit: nil)
        }
        defer { emitter.finish() }
        if await core.stopRequested { return await outcome(.stopped, exit: nil) }
        do {
            try WorkspaceGuard.check(workspace: request.workspacePath, root: request.workspaceRoot)
        } catch {
            return await outcome(.failed(error), exit: nil)
        }
        return await launch { driver in await driver.converse(shouldContinue: shouldContinue) }
    }

    /// Starts `codex.command` in the request's workspace path (which need not be an issue's
    /// workspace), completes the `initialize` handshake and stops it: does the command work? The
    /// run ends `finished` when it answered; `events` must be consumed as for ``run(shouldContinue:)``.
    public func probe() async -> RunOutcome {
        guard claimTheRun() else {
            return RunOutcome(ending: .failed(.alreadyRunning), threadID: nil, turns: 0, tokenTotals: .zero, exit: nil)
        }
        defer { emitter.finish() }
        return await launch { driver in await driver.handshakeOnly() }
    }

    /// As ``probe()``, then an ephemeral `thread/start` with the workflow's approval policy and
    /// sandbox, so a value this Codex refuses is found before any issue runs (`maestro doctor`).
    public func checkPolicies() async -> RunOutcome {
        guard claimTheRun() else {
            return RunOutcome(ending: .failed(.alreadyRunning), threadID: nil, turns: 0, tokenTotals: .zero, exit: nil)
        }
        defer { emitter.finish() }
        return await launch { driver in await driver.policyCheck() }
    }

    /// Launches the command, runs `conversation` and the stop sequence, and reports the exit.
    private func launch(_ conversation: @escaping @Sendable (SessionDriver) async -> RunEnding) async -> RunOutcome {
        let configuration = AppServerLaunch.configuration(
            command: request.codex.command, workspace: request.workspacePath,
            environment: AppServerLaunch.environment(request.environment, removing: request.secretEnvironmentNames),
            terminateGrace: options.terminateGrace)
        let execution: ExecutionResult<RunEnding, SequenceOutput, SequenceOutput>
        do {
            execution = try await Subprocess.run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                await self.session(execution, conversation: conversation)
            }
        } catch {
            logger.error("codex app-server launch failed", metadata: ["error": "\(error)"])
            return await outcome(.failed(.launchFailed("\(error)")), exit: nil)
        }
        let exit = ProcessExit(execution.terminationStatus, stderrTail: await core.stderrLines, stdoutTail: await core.gauge.tail)
        await core.emit(.processExited(exit))
        var ending = execution.closureResult
        if case .failed(.processExited) = ending {
            let beforeHandshake = await core.threadID == nil
            ending = .failed(exit.exitCode == 127 && beforeHandshake ? .codexNotFound(exit) : .processExited(exit))
        }
        logger.debug("codex session ended", metadata: ["ending": "\(ending)", "exit": "\(execution.terminationStatus)"])
        return await outcome(ending, exit: exit)
    }

    private func claimTheRun() -> Bool {
        hasRun.withLock { ran in
            if ran { return false }
            ran = true
            return true
        }
    }

    private func outcome(_ ending: RunEnding, exit: ProcessExit?) async -> RunOutcome {
        RunOutcome(ending: ending, threadID: await core.threadID, turns: await core.turnsStarted, tokenTotals: await core.tokenTotals, exit: exit)
    }

    /// The session inside the process's lifetime: readers, writer and tool workers as child tasks,
    /// the conversation in the foreground, then the stop sequence.
    private func session(
        _ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
        conversation: @escaping @Sendable (SessionDriver) async -> RunEnding
    ) async -> RunEnding {
        let pid = execution.processIdentifier.value
        let identity = ProcessIdentity(
            pid: pid, processGroupID: pid, startTimeTicks: ProcessIdentity.startTimeTicks(of: pid), launchedAt: Date())
        let outgoing = BoundedQueue<[UInt8]>(capacity: options.eventBacklog)
        // Unbounded but short: the core admits at most `maxToolCallsInFlight` calls at once.
        let (jobs, jobSink) = AsyncStream.makeStream(of: ToolJob.self, bufferingPolicy: .unbounded)
        await core.connect(process: identity, outgoing: outgoing, toolJobs: jobSink)
        logger.debug("codex app-server launched", metadata: ["pid": "\(pid)", "workspace": "\(request.workspacePath)"])
        // One-shot signals: the protocol reader has seen the end of stdout (the process is gone),
        // and the diagnostics reader the end of stderr.
        let outputEnded = ReplyTable<Int, Bool>()
        outputEnded.expect(0)
        outputEnded.expect(1)
        let core = core
        let maxLineBytes = options.maxLineBytes
        let events = emitter
        // Backpressure: neither reader reads on while the events or stdin messages it caused wait.
        let room: @Sendable () async -> Void = {
            await events.waitForRoom()
            await outgoing.waitForRoom()
        }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.write(outgoing, to: execution.standardInputWriter) }
            group.addTask {
                await StreamReaders.readProtocol(execution.standardOutput, core: core, maxLineBytes: maxLineBytes, room: room)
                outputEnded.resolve(0, with: .success(true))
            }
            group.addTask {
                await StreamReaders.readDiagnostics(execution.standardError, core: core, room: room)
                outputEnded.resolve(1, with: .success(true))
            }
            group.addTask { await self.executeTools(jobs) }
            let ending = await conversation(SessionDriver(core: core, request: request, options: options))
            await shutDown(execution, outputEnded: outputEnded)
            // What the process wrote last to stderr explains an exit: read it to the end, briefly.
            _ = await Self.wait(for: outputEnded, key: 1, upTo: .milliseconds(500))
            group.cancelAll()
            return ending
        }
    }

    /// One writer, so messages never interleave on stdin. Ends (closing stdin) when the core closes
    /// the stream, or at the first failed write (the process is gone; the reader will notice).
    private static func write(_ outgoing: BoundedQueue<[UInt8]>, to writer: StandardInputWriter) async {
        while let bytes = await outgoing.next() {
            do {
                _ = try await writer.write(bytes)
            } catch {
                break
            }
        }
        try? await writer.finish()
    }

    /// Close stdin; wait briefly for the exit; then SIGTERM and SIGKILL to the process group; finally
    /// clear anything the group still holds after its leader is gone.
    private func shutDown(_ execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>, outputEnded: ReplyTable<Int, Bool>) async {
        await core.closeInput()
        if await !Self.wait(for: outputEnded, upTo: options.stdinCloseGrace) {
            logger.notice("codex app-server still running after stdin closed; sending SIGTERM to its process group")
            // The group, and the process itself in case it left the group.
            try? execution.send(signal: .terminate, toProcessGroup: true)
            try? execution.send(signal: .terminate)
            if await !Self.wait(for: outputEnded, upTo: options.terminateGrace) {
                logger.warning("codex app-server ignored SIGTERM; sending SIGKILL to its process group")
                try? execution.send(signal: .kill, toProcessGroup: true)
                try? execution.send(signal: .kill)
            }
        }
        await ProcessGroup.terminate(execution.processIdentifier.value, grace: options.terminateGrace)
    }

    private static func wait(for outputEnded: ReplyTable<Int, Bool>, key: Int = 0, upTo limit: Duration) async -> Bool {
        let ended = try? await withTimeout(limit) { try await outputEnded.wait(for: key) }
        return (ended ?? nil) ?? false
    }

    // MARK: - Dynamic tools

    private func executeTools(_ jobs: AsyncStream<ToolJob>) async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await self.execute(job) }
            }
        }
    }

    /// Answers one `item/tool/call`: advertised tools run on the provider, bounded by
    /// ``CodexRunnerOptions/toolCallTimeout``; any other name fails and the session goes on.
    private func execute(_ job: ToolJob) async {
        guard let provider, advertisedTools.contains(job.tool) else {
            let available = advertisedTools.sorted().joined(separator: ", ")
            let result = AgentToolResult.failure("unsupported tool: \(job.tool). Available tools: \(available.isEmpty ? "none" : available)")
            return await core.finishToolCall(job, result: result, advertised: false)
        }
        let timeout = options.toolCallTimeout
        let core = core
        await withTaskGroup(of: AgentToolResult?.self) { group in
            group.addTask { await provider.execute(name: job.tool, arguments: job.arguments) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next()!
            // Answer now; a provider that ignores cancellation only delays the group's cleanup.
            await core.finishToolCall(job, result: first ?? .failure("tool \(job.tool) did not finish in time"), advertised: true)
            group.cancelAll()
        }
    }

    // MARK: - Operator and orchestrator API

    /// Answers a pending operator request (an approval, a question, an elicitation).
    ///
    /// - Throws: ``CodexRunnerError/unknownRequest(_:)`` when `id` is not pending (already answered,
    ///   or cleared because its turn ended); ``CodexRunnerError/answerDoesNotFit(_:_:)`` for an answer
    ///   of the wrong kind; ``CodexRunnerError/notConnected`` when the session is gone.
    public func answer(_ id: CodexRequestID, with answer: OperatorAnswer) async throws(CodexRunnerError) {
        let interruptAfter = try await core.answer(id, with: answer)
        if interruptAfter { try? await interrupt() }
    }

    /// Asks the server to interrupt the running turn (`turn/interrupt`). The turn then completes with
    /// status `interrupted` and the run ends as ``RunEnding/cancelled``. Codex refuses an interrupt
    /// until it has announced the turn (`turn/started`); one asked for earlier is sent at that moment.
    public func interrupt() async throws(CodexRunnerError) {
        guard let (threadID, turnID) = try await core.interruptNowOrWhenActive() else { return }
        do {
            _ = try await SessionDriver(core: core, request: request, options: options).call(
                "turn/interrupt", ["threadId": .string(threadID), "turnId": .string(turnID)])
        } catch let error as CodexRunnerError {
            throw error
        } catch {
            throw .notConnected
        }
    }

    /// Ends the run: a running turn is interrupted, stdin closed, the process group stopped. The run
    /// ends as ``RunEnding/stopped``. Safe to call at any time, also before ``run(shouldContinue:)``.
    public func stop() async {
        await core.requestStop()
    }

    /// The session's current state, for dashboards and stall detection.
    public func snapshot() async -> CodexSessionSnapshot {
        await core.snapshot()
    }

    /// When the server last wrote anything (or an operator last answered). The orchestrator's stall
    /// detection compares this with `codex.stall_timeout_ms`; a run waiting for an operator is
    /// blocked, not stalled.
    public var lastActivity: Date {
        get async { await core.lastActivityAt }
    }
}
