import Foundation
import GRDB
import StateMachine

extension RuntimeAPI {
    /// Runs a command, mapping any failure to an ``APIError``.
    func command<T: Sendable>(_ body: () async throws -> T) async throws(APIError) -> T {
        do {
            return try await body()
        } catch {
            throw APIError.from(error)
        }
    }

    func provider(for project: ProjectView) throws(APIError) -> any BoardProvider {
        try providers.provider(project.provider)
    }

    // MARK: - Projects

    public func createProject(_ new: NewProject) async throws(APIError) -> ProjectView {
        let provider = try providers.provider(new.provider)
        return try await command { try await provider.createProject(new) }
    }

    public func updateProject(_ keyOrName: String, _ changes: ProjectChanges) async throws(APIError) -> ProjectView {
        try await command { try await board.updateProject(keyOrName, changes) }
    }

    // MARK: - Issues

    public func createIssue(in projectKey: String, _ new: NewIssue) async throws(APIError) -> IssueView {
        let project = try await project(projectKey)
        let provider = try provider(for: project)
        return try await command { try await provider.createIssue(in: project, new) }
    }

    public func updateIssue(_ identifier: String, _ changes: IssueChanges) async throws(APIError) -> IssueView {
        let (issue, provider) = try await target(identifier)
        return try await command { try await provider.updateIssue(issue, changes) }
    }

    public func moveIssue(_ identifier: String, to state: String) async throws(APIError) -> IssueView {
        let (issue, provider) = try await target(identifier)
        return try await command { try await provider.moveIssue(issue, to: state, ifCurrently: nil) }
    }

    public func comment(on identifier: String, body: String, author: String) async throws(APIError) -> CommentView {
        let (issue, provider) = try await target(identifier)
        return try await command { try await provider.comment(on: issue, body: body, author: author) }
    }

    func target(_ identifier: String) async throws(APIError) -> (IssueView, any BoardProvider) {
        let issue = try await issue(identifier)
        return (issue, try providers.provider(issue.provider))
    }

    // MARK: - Operator commands

    /// Submits an operator command for the daemon and waits up to `wait` for its verdict.
    ///
    /// An answer is addressed to one pending request: `requestId`, or the only one waiting; its
    /// text must be one the request accepts. Without a live daemon the command stays `pending`
    /// and the daemon applies it when it starts.
    public func submit(
        _ command: OperatorCommand, to identifier: String, answer: String? = nil, requestId: String? = nil,
        wait: Duration = .seconds(5)
    ) async throws(APIError) -> CommandVerdict {
        var payload: [String: String] = ["source": "operator"]
        if command == .answer {
            let (request, text) = try await addressedRequest(identifier, answer: answer, requestId: requestId)
            payload["answer"] = text
            payload["request_id"] = request.id
        }
        let event = command.event
        let inserted = try await self.command {
            try await store.write { [payload] db in
                let issue = try Board.requireIssue(identifier, db)
                var record = OperatorCommandRecord(
                    issueId: issue.id ?? 0, command: event, payload: jsonObject(payload), at: board.clock.now())
                try record.insert(db)
                return (record.id ?? 0, issue.identifier)
            }
        }
        let daemon = live != nil || DaemonLock.liveHolder(databasePath: store.path) != nil
        guard daemon else {
            return CommandVerdict(
                id: inserted.0, command: command, issue: inserted.1, status: .pending, transition: nil, error: nil, daemon: false)
        }
        return try await verdict(of: inserted.0, command: command, issue: inserted.1, within: wait)
    }

    /// The pending request an answer goes to, and the answer as the agent will receive it.
    private func addressedRequest(_ identifier: String, answer: String?, requestId: String?) async throws(APIError)
        -> (AgentRequestView, String)
    {
        guard let answer else { throw APIError(.invalidAnswer, "an answer needs some text") }
        let pending = try await pendingRequests(identifier)
        let request: AgentRequestView
        if let requestId {
            guard let match = pending.first(where: { $0.id == requestId }) else {
                throw APIError(
                    .requestNotFound,
                    "\(identifier.uppercased()) has no pending request '\(requestId)'"
                        + (pending.isEmpty ? "" : " (pending: \(pending.map(\.id).joined(separator: ", ")))"))
            }
            request = match
        } else {
            guard let only = pending.first else {
                throw APIError(.notAwaitingAnswer, "\(identifier.uppercased()) is not waiting for an answer")
            }
            guard pending.count == 1 else {
                throw APIError(
                    .ambiguousRequest,
                    "\(identifier.uppercased()) waits on \(pending.count) requests (\(pending.map(\.id).joined(separator: ", "))); say which with a request id"
                )
            }
            request = only
        }
        return (request, try AnswerRules.check(answer, for: request))
    }

    /// Waits on the store's change signal (and, outside the daemon, a change watcher for the
    /// daemon's commits) until the command is handled or `limit` passes.
    private func verdict(of id: Int64, command: OperatorCommand, issue: String, within limit: Duration) async throws(APIError)
        -> CommandVerdict
    {
        let store = store
        let watch = live == nil
        let found: CommandVerdict? = try await self.command {
            // Taken before the first look at the command: the daemon may answer in between.
            let baseline = watch ? try await ChangeWatcher.baseline(of: store) : nil
            return try await withThrowingTaskGroup(of: CommandVerdict?.self) { group in
                if let baseline {
                    group.addTask {
                        try await ChangeWatcher(store: store, from: baseline).run()
                        return nil
                    }
                }
                group.addTask {
                    try await withTimeout(limit) {
                        while true {
                            let generation = store.changes.generation
                            if let verdict = try await Self.handled(id, command: command, issue: issue, store: store) { return verdict }
                            await store.changes.wait(after: generation)
                            try Task.checkCancellation()
                        }
                    } ?? nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    return next
                }
                return nil
            }
        }
        return found
            ?? CommandVerdict(id: id, command: command, issue: issue, status: .pending, transition: nil, error: nil, daemon: true)
    }

    private static func handled(_ id: Int64, command: OperatorCommand, issue: String, store: Store) async throws -> CommandVerdict? {
        try await store.read { db in
            guard let record = try OperatorCommandRecord.fetchOne(db, key: id), record.status != .pending else { return nil }
            switch record.status {
            case .applied:
                let transition = try record.transitionSeq.flatMap { try TransitionRecord.fetchOne(db, key: $0) }
                return CommandVerdict(
                    id: id, command: command, issue: issue, status: .applied, transition: transition.map(ViewBuilding.transition),
                    error: nil, daemon: true)
            case .rejected, .pending:
                let error = record.rejection ?? APIError(code: "rejected", message: record.result ?? "rejected")
                return CommandVerdict(id: id, command: command, issue: issue, status: .rejected, transition: nil, error: error, daemon: true)
            }
        }
    }

    // MARK: - Live

    /// Asks the daemon for a poll and reconciliation now; `no_live_daemon` outside it.
    public func refresh() async throws(APIError) -> Bool {
        guard let live else { throw APIError(.noLiveDaemon, "no live maestro daemon in this process") }
        return await live.requestRefresh()
    }

    /// Hands a webhook delivery to the provider of `kind`; `unsupported_by_provider` when it takes none.
    public func receiveWebhook(provider kind: String, headers: [String: String], body: [UInt8]) async throws(APIError) -> WebhookOutcome {
        guard let receiver = try providers.provider(kind) as? any WebhookReceiver else {
            throw APIError(.unsupportedByProvider, "the \(kind) tracker takes no webhooks")
        }
        return try await command { try await receiver.receiveWebhook(headers: headers, body: body) }
    }
}
