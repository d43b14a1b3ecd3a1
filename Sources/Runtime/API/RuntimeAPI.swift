import Foundation
import GRDB
import StateMachine
import WorkflowParser

/// What every surface (CLI, HTTP, MCP, the dashboard) calls: read models, board commands routed to
/// each project's tracker, operator commands, the live snapshot, and the two logs. Surfaces parse,
/// call and print; none writes a query or decides a lifecycle change.
///
/// ```swift
/// let api = RuntimeAPI(board: Board(store: store), providers: Providers([kanban]))
/// let page = try await api.issues(IssueQuery(project: "MAE", lifecycle: .blocked))
/// print(try MaestroJSON.text(page))
/// ```
public struct RuntimeAPI: Sendable {
    public let board: Board
    public let providers: Providers
    /// The daemon's live side, when this process is the daemon.
    public let live: (any LiveRuntime)?
    /// The rules used for hints (which operator commands apply) outside the daemon.
    let hintRules: LifecycleRules?

    public var store: Store { board.store }

    public init(board: Board, providers: Providers, live: (any LiveRuntime)? = nil, hintRules: LifecycleRules? = nil) {
        self.board = board
        self.providers = providers
        self.live = live
        self.hintRules = hintRules
    }

    /// Runs a read, mapping database failures to `internal_error`.
    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(APIError) -> T {
        do {
            return try await store.read(body)
        } catch {
            throw APIError.from(error)
        }
    }

    // MARK: - Issues

    public func issue(_ identifier: String) async throws(APIError) -> IssueView {
        try await read { db in try ViewBuilding.issue(try Board.requireIssue(identifier, db), db) }
    }

    /// Issues matching `query`, in its order (by default the dispatch order: priority 1…4, none
    /// last; oldest; identifier).
    public func issues(_ query: IssueQuery = IssueQuery()) async throws(APIError) -> Page<IssueView> {
        if let limit = query.limit, limit < 1 { throw APIError(.invalidValue, "limit must be at least 1, got \(limit)") }
        let order = query.order
        let after = try query.cursor.map { cursor throws(APIError) in try IssueCursor(cursor, order: order) }
        if let state = query.state { try await checkState(state, project: query.project) }
        return try await read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let project = query.project {
                conditions.append("projectId = ?")
                arguments.append(try Board.requireProject(project, db).id ?? 0)
            }
            if let state = query.state {
                conditions.append("lower(trim(trackerState)) = ?")
                arguments.append(normalizedTrackerState(state))
            }
            if let lifecycle = query.lifecycle {
                conditions.append("lifecycleState = ?")
                arguments.append(lifecycle.rawValue)
            }
            if let label = query.label {
                conditions.append("EXISTS (SELECT 1 FROM json_each(issue.labels) WHERE json_each.value = ?)")
                arguments.append(label.trimmingCharacters(in: .whitespaces).lowercased())
            }
            if let search = query.search?.trimmingCharacters(in: .whitespaces), !search.isEmpty {
                let pattern =
                    "%"
                    + search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
                conditions.append("(identifier LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')")
                arguments += [pattern, pattern]
            }
            if let after {
                conditions.append(after.condition)
                arguments += after.arguments
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let limit = query.limit.map { " LIMIT \($0 + 1)" } ?? ""
            var records = try IssueRecord.fetchAll(
                db, sql: "SELECT * FROM issue \(filter) ORDER BY \(IssueCursor.orderBy(order))\(limit)", arguments: StatementArguments(arguments))
            var next: String?
            if let limit = query.limit, records.count > limit {
                records.removeLast(records.count - limit)
                next = records.last.map { IssueCursor($0, order: order).text }
            }
            return Page(items: try ViewBuilding.issues(records, db), nextCursor: next)
        }
    }

    /// A state filter must name a tracker state of the projects it filters, so a typo fails
    /// (`invalid_state`) instead of finding nothing.
    private func checkState(_ state: String, project: String?) async throws(APIError) {
        let projects: [ProjectView]
        if let project { projects = [try await self.project(project)] } else { projects = try await self.projects() }
        var known: [String] = []
        for project in projects {
            guard let provider = try? providers.provider(project.provider) else { continue }
            for name in (try? await provider.states(of: project)) ?? [] where !known.contains(name) { known.append(name) }
        }
        let wanted = normalizedTrackerState(state)
        guard !known.isEmpty, !known.contains(where: { normalizedTrackerState($0) == wanted }) else { return }
        throw APIError(.invalidState, "'\(state)' is not a tracker state of this workflow (states: \(known.joined(separator: ", ")))")
    }

    /// The issue with its comments, transitions, sessions, pending requests and recent events.
    public func issueDetail(_ identifier: String, recentEvents: Int = 50) async throws(APIError) -> IssueDetailView {
        let hints = await rulesForHints()
        return try await read { db in
            let issue = try Board.requireIssue(identifier, db)
            let id = issue.id ?? 0
            let name = issue.identifier
            let requests = try AgentRequestRecord.open(issueId: id).fetchAll(db).map { ViewBuilding.request($0, issue: name) }
            let events = try RuntimeEventRecord.filter(Column("issueId") == id).order(Column("id").desc).limit(recentEvents)
                .fetchAll(db).reversed().map(ViewBuilding.event)
            return IssueDetailView(
                issue: try ViewBuilding.issue(issue, db),
                comments: try CommentRecord.filter(Column("issueId") == id).order(Column("id")).fetchAll(db)
                    .map { ViewBuilding.comment($0, issue: name) },
                transitions: try TransitionRecord.history(of: id).fetchAll(db).map(ViewBuilding.transition),
                sessions: try SessionRecord.filter(Column("issueId") == id).order(Column("id")).fetchAll(db)
                    .map { ViewBuilding.session($0, issue: name) },
                pendingRequests: requests, recentEvents: Array(events),
                workspace: try WorkspaceRecord.fetchOne(db, key: id).map {
                    WorkspaceView(path: $0.path, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt, removedAt: $0.removedAt)
                },
                tokens: try ViewBuilding.tokenTotals(issueId: id, db),
                allowedCommands: Self.allowedCommands(issue, rules: hints, hasRequests: !requests.isEmpty))
        }
    }

    /// The operator commands the lifecycle would accept for `issue` now.
    static func allowedCommands(_ issue: IssueRecord, rules: LifecycleRules, hasRequests: Bool) -> [String] {
        let context = TransitionContext(phase: issue.phase, failures: issue.attempt, blockReason: issue.blockReason)
        return OperatorCommand.allCases.filter { command in
            if command == .answer && !hasRequests { return false }
            if case .success = rules.machine.step(from: issue.lifecycleState, on: command.event, context: context) { return true }
            return false
        }.map(\.rawValue)
    }

    /// The lifecycle rules in force: the live daemon's, else the ones this process loaded for hints.
    public func currentRules() async -> LifecycleRules { await rulesForHints() }

    func rulesForHints() async -> LifecycleRules {
        if let live { return await live.rules() }
        if let hintRules { return hintRules }
        return LifecycleRules.kanbanDefaults
    }

    public func comments(_ identifier: String) async throws(APIError) -> [CommentView] {
        try await read { db in
            let issue = try Board.requireIssue(identifier, db)
            return try CommentRecord.filter(Column("issueId") == issue.id).order(Column("id")).fetchAll(db)
                .map { ViewBuilding.comment($0, issue: issue.identifier) }
        }
    }

    /// Sessions of one issue, or of every issue (newest first) when `identifier` is `nil`.
    public func sessions(_ identifier: String? = nil, limit: Int = 100) async throws(APIError) -> [SessionView] {
        try await read { db in
            if let identifier {
                let issue = try Board.requireIssue(identifier, db)
                return try SessionRecord.filter(Column("issueId") == issue.id).order(Column("id")).fetchAll(db)
                    .map { ViewBuilding.session($0, issue: issue.identifier) }
            }
            let sessions = try SessionRecord.order(Column("id").desc).limit(limit).fetchAll(db)
            let names = Dictionary(
                try IssueRecord.filter(keys: Set(sessions.map(\.issueId))).fetchAll(db).map { ($0.id ?? 0, $0.identifier) },
                uniquingKeysWith: { first, _ in first })
            return sessions.map { ViewBuilding.session($0, issue: names[$0.issueId] ?? "?") }
        }
    }

    /// Questions and approvals waiting for an answer, oldest first.
    public func pendingRequests(_ identifier: String? = nil) async throws(APIError) -> [AgentRequestView] {
        try await read { db in
            let issue = try identifier.map { try Board.requireIssue($0, db) }
            let records = try AgentRequestRecord.open(issueId: issue?.id).fetchAll(db)
            let names = Dictionary(
                try IssueRecord.filter(keys: Set(records.map(\.issueId))).fetchAll(db).map { ($0.id ?? 0, $0.identifier) },
                uniquingKeysWith: { first, _ in first })
            return records.map { ViewBuilding.request($0, issue: names[$0.issueId] ?? "?") }
        }
    }

    // MARK: - Projects and the board

    public func projects() async throws(APIError) -> [ProjectView] {
        try await read { db in
            let counts = Dictionary(
                try Row.fetchAll(db, sql: "SELECT projectId, COUNT(*) FROM issue GROUP BY projectId").map { ($0[0] as Int64, $0[1] as Int) },
                uniquingKeysWith: { first, _ in first })
            return try ProjectRecord.order(Column("key")).fetchAll(db).map {
                ViewBuilding.projectView($0, issueCount: counts[$0.id ?? 0] ?? 0)
            }
        }
    }

    public func project(_ keyOrName: String) async throws(APIError) -> ProjectView {
        try await read { db in try ViewBuilding.project(try Board.requireProject(keyOrName, db), db) }
    }

    /// The tracker states of a project's issues, in board order.
    public func states(of keyOrName: String) async throws(APIError) -> [String] {
        let project = try await project(keyOrName)
        do {
            return try await providers.provider(project.provider).states(of: project)
        } catch {
            throw APIError.from(error)
        }
    }

    /// Counts by tracker state and lifecycle state, and the projects.
    public func boardOverview() async throws(APIError) -> BoardOverview {
        let projects = try await projects()
        return try await read { db in
            var byLifecycle = Dictionary(uniqueKeysWithValues: LifecycleState.allCases.map { ($0.rawValue, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT lifecycleState, COUNT(*) FROM issue GROUP BY lifecycleState") {
                byLifecycle[row[0], default: 0] += row[1] as Int
            }
            var byTracker: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT trackerState, COUNT(*) FROM issue GROUP BY trackerState") {
                byTracker[row[0], default: 0] += row[1] as Int
            }
            return BoardOverview(
                issues: byLifecycle.values.reduce(0, +), byTrackerState: byTracker, byLifecycleState: byLifecycle,
                projects: projects)
        }
    }

    // MARK: - The logs

    /// Transitions after `seq`, in log order; of one issue when `identifier` is given.
    public func transitions(after seq: Int64 = 0, limit: Int = 500, issue identifier: String? = nil) async throws(APIError)
        -> [TransitionView]
    {
        try await read { db in
            var request = TransitionRecord.filter(Column("seq") > seq)
            if let identifier { request = request.filter(Column("identifier") == identifier.uppercased()) }
            return try request.order(Column("seq")).limit(limit).fetchAll(db).map(ViewBuilding.transition)
        }
    }

    /// Board changes after `seq`, in log order.
    public func changes(after seq: Int64 = 0, limit: Int = 500) async throws(APIError) -> [BoardChangeView] {
        try await read { db in try BoardChangeRecord.after(seq, limit: limit).fetchAll(db).map(ViewBuilding.change) }
    }

    /// Both logs after `seq`, merged in seq order: a reader that resumes from the last seq it saw
    /// misses nothing and sees nothing twice, since both logs draw from one sequence and commit
    /// order is seq order.
    public func log(after seq: Int64, limit: Int = 500) async throws(APIError) -> [LogEntry] {
        try await read { db in
            let transitions = try TransitionRecord.after(seq, limit: limit).fetchAll(db).map { LogEntry.transition(ViewBuilding.transition($0)) }
            let changes = try BoardChangeRecord.after(seq, limit: limit).fetchAll(db).map { LogEntry.change(ViewBuilding.change($0)) }
            return Array((transitions + changes).sorted { $0.seq < $1.seq }.prefix(limit))
        }
    }

    /// The last seq handed out by either log (0 for an empty store).
    public func lastSeq() async throws(APIError) -> Int64 {
        try await read { db in
            try Int64.fetchOne(
                db,
                sql: #"SELECT MAX(COALESCE((SELECT MAX(seq) FROM "transition"), 0), COALESCE((SELECT MAX(seq) FROM boardChange), 0))"#)
                ?? 0
        }
    }

    // MARK: - Live

    /// The live daemon's snapshot; `no_live_daemon` outside the daemon.
    public func snapshot() async throws(APIError) -> RuntimeSnapshot {
        guard let live else { throw APIError(.noLiveDaemon, "no live maestro daemon in this process") }
        do {
            return try await live.snapshot()
        } catch {
            throw APIError.from(error)
        }
    }
}

extension LifecycleRules {
    /// The default kanban workflow's rules.
    static let kanbanDefaults: LifecycleRules = {
        let workflow = try? WorkflowLoaderDefaults.kanban()
        return LifecycleRules(machine: workflow!.machine, requiredLabels: [])
    }()
}

/// A position in an issue list: the sort key of the last issue of a page. A dispatch-order cursor
/// is `priority|millis|identifier`; the others name their order: `updated|millis|identifier`.
struct IssueCursor {
    var order: IssueOrder
    var priority: Int
    /// The creation time, or the update time for ``IssueOrder/updated``.
    var date: Date
    var identifier: String

    init(_ issue: IssueRecord, order: IssueOrder) {
        self.order = order
        priority = issue.priority ?? 9
        date = order == .updated ? issue.updatedAt : issue.createdAt
        identifier = issue.identifier
    }

    init(_ text: String, order: IssueOrder) throws(APIError) {
        let parts = (Data(base64Encoded: text).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "|", maxSplits: 2)
        guard parts.count == 3, let millis = Int64(parts[1]) else {
            throw APIError(.invalidValue, "'\(text)' is not a cursor this API returned")
        }
        let priority = Int(parts[0])
        guard order == .dispatch ? priority != nil : parts[0] == order.rawValue else {
            throw APIError(.invalidValue, "'\(text)' is a cursor of another order than \(order.rawValue)")
        }
        self.order = order
        self.priority = priority ?? 9
        date = Date(timeIntervalSince1970: Double(millis) / 1000)
        identifier = String(parts[2])
    }

    var text: String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let head = order == .dispatch ? String(priority) : order.rawValue
        return Data("\(head)|\(millis)|\(identifier)".utf8).base64EncodedString()
    }

    /// The project key and number of an identifier, in SQL (`MAE-10` → `MAE`, 10).
    private static func identifierKey(_ value: String) -> String {
        "substr(\(value), 1, instr(\(value), '-') - 1), CAST(substr(\(value), instr(\(value), '-') + 1) AS INTEGER), \(value)"
    }

    static func orderBy(_ order: IssueOrder) -> String {
        switch order {
        case .dispatch: "COALESCE(priority, 9), createdAt, identifier"
        case .created: "createdAt DESC, identifier DESC"
        case .updated: "updatedAt DESC, identifier DESC"
        case .identifier: identifierKey("identifier")
        }
    }

    /// Issues after this position in its order.
    var condition: String {
        switch order {
        case .dispatch: "(COALESCE(priority, 9), createdAt, identifier) > (?, ?, ?)"
        case .created: "(createdAt, identifier) < (?, ?)"
        case .updated: "(updatedAt, identifier) < (?, ?)"
        case .identifier: "(\(Self.identifierKey("identifier"))) > (\(Self.identifierKey("?")))"
        }
    }

    var arguments: [any DatabaseValueConvertible] {
        switch order {
        case .dispatch: [priority, databaseDateString(date), identifier]
        case .created, .updated: [databaseDateString(date), identifier]
        // The cursor's identifier goes through the same key expression: five placeholders.
        case .identifier: Array(repeating: identifier, count: 5)
        }
    }
}
