public import Foundation
public import Logging
public import Runtime
import StateMachine
import Synchronization
public import WorkflowParser

/// Linear as a project's tracker. Linear is the source of truth: maestro's store holds a mirror,
/// kept by ``LinearSyncService`` and by targeted refreshes, and every write goes to Linear first
/// and lands in the store from Linear's answer. Facts only: the lifecycle is the daemon's.
///
/// One provider serves every Linear-backed project; each has its own settings
/// (``LinearProjectSettings``): endpoint, the variable holding its API key, an assignee filter.
public final class LinearProvider: BoardProvider, Sendable {
    public let board: Board
    public let transport: LinearTransport
    /// The process environment the API keys and webhook secrets are read from.
    let environment: [String: String]
    /// The workflow in force, for its Linear settings (a reload applies them).
    let workflow: @Sendable () async -> Workflow?
    /// A snapshot younger than this is not fetched again by a refresh (a dispatch right after a
    /// sync page, a run's end right after the agent's move).
    let freshness: Duration
    let logger: Logger
    let now: @Sendable () -> Date

    struct Memory {
        var projects: [String: LinearProjectInfo] = [:]
        var projectsFetchedAt: [String: ContinuousClock.Instant] = [:]
        var teamOfIssue: [String: String] = [:]
        var fetchedAt: [String: ContinuousClock.Instant] = [:]
        var secretNames: Set<String> = [WorkflowConfig.defaultLinearKeyVariable]
    }
    let memory = Mutex(Memory())
    /// Wakes the sync service (a project created in this process gets its first pass at once).
    public let wake = ChangeSignal()

    public init(
        board: Board, transport: LinearTransport = LinearTransport(), environment: [String: String] = ProcessInfo.processInfo.environment,
        workflow: @escaping @Sendable () async -> Workflow? = { nil }, freshness: Duration = .seconds(2),
        logger: Logger = Logger(label: "maestro.linear"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.board = board
        self.transport = transport
        self.environment = environment
        self.workflow = workflow
        self.freshness = freshness
        self.logger = logger
        self.now = now
    }

    public var kind: String { "linear" }

    /// The API key variables (and webhook secret variables) of every project and workflow seen.
    public var secretEnvironmentNames: [String] { memory.withLock { $0.secretNames.sorted() } }

    /// Declares more secret variable names (a workflow's `tracker.provider` `$VAR`s).
    public func declareSecrets(_ names: some Sequence<String>) {
        memory.withLock { $0.secretNames.formUnion(names) }
    }

    // MARK: - Settings

    /// The project's settings, overlaid with the workflow's Linear options when the workflow names
    /// this project.
    func settings(for project: ProjectView) async -> LinearProjectSettings {
        var stored = project.settings
        if let current = await workflow(), let tracker = LinearWorkflowTracker(workflow: current), tracker.names(project) {
            stored.merge(tracker.settings) { _, workflow in workflow }
        }
        let settings = LinearProjectSettings(stored)
        declareSecrets([settings.apiKeyVariable] + [settings.webhookSecretVariable].compactMap { $0 })
        return settings
    }

    /// Where the project's requests go, with the key read now from its variable.
    func endpoint(_ settings: LinearProjectSettings) throws(LinearError) -> LinearEndpoint {
        let key = (environment[settings.apiKeyVariable] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else {
            throw LinearError(.missingSecret, "$\(settings.apiKeyVariable) is not set: export the Linear API key there")
        }
        return LinearEndpoint(url: settings.endpoint, apiKey: key, timeout: settings.timeout)
    }

    func endpoint(for project: ProjectView) async throws(LinearError) -> (LinearEndpoint, LinearProjectSettings) {
        let settings = await settings(for: project)
        return (try endpoint(settings), settings)
    }

    // MARK: - Linear's projects and teams

    /// Resolves a project by id or slug (one request), and remembers it.
    func resolveProject(_ idOrSlug: String, at endpoint: LinearEndpoint) async throws(LinearError) -> LinearProjectInfo {
        let data: JSONValue
        do {
            data = try await transport.data(.project, variables: ["id": .string(idOrSlug)], at: endpoint)
        } catch {
            guard error.notFound else { throw error }
            throw LinearError(.invalidConfig, "no Linear project '\(idOrSlug)' (give its slug, the end of its URL, or its id)")
        }
        guard let info = LinearProjectInfo(data["project"]) else { throw LinearError(.response, "the project answer lacks its id or name") }
        memory.withLock {
            $0.projects[info.id] = info
            $0.projectsFetchedAt[info.id] = .now
        }
        return info
    }

    /// The project as last resolved, or resolved now.
    func projectInfo(_ project: ProjectView, at endpoint: LinearEndpoint, reload: Bool = false) async throws(LinearError)
        -> LinearProjectInfo
    {
        let id = project.externalId ?? project.settings["slug"] ?? ""
        if !reload, let known = memory.withLock({ $0.projects[id] }) { return known }
        return try await resolveProject(id, at: endpoint)
    }

    /// The team of an issue: from the last snapshot, the project's only team, or one request.
    func team(of issue: IssueView, in project: ProjectView, at endpoint: LinearEndpoint) async throws(LinearError) -> LinearTeam {
        let info = try await projectInfo(project, at: endpoint)
        let known = memory.withLock { $0.teamOfIssue[issue.id] }
        if let known, let team = info.teams.first(where: { $0.id == known }) { return team }
        if known == nil, info.teams.count == 1, let only = info.teams.first { return only }
        let data = try await transport.data(.issueTeam, variables: ["id": .string(issue.id)], at: endpoint)
        guard let team = LinearTeam(data["issue"]?["team"]) else { throw LinearError(.response, "the issue's team is missing") }
        memory.withLock { $0.teamOfIssue[issue.id] = team.id }
        return team
    }

    /// The team's state called `name`; the team's states are read again once before giving up,
    /// in case someone added the state since.
    func state(named name: String, in team: LinearTeam, at endpoint: LinearEndpoint) async throws -> LinearState {
        if let state = team.state(named: name) { return state }
        let data = try await transport.data(.teamStates, variables: ["id": .string(team.id)], at: endpoint)
        guard let fresh = LinearTeam(data["team"]) else { throw LinearError(.response, "the team's states are missing") }
        memory.withLock { memory in
            for (id, var project) in memory.projects {
                project.teams = project.teams.map { $0.id == fresh.id ? fresh : $0 }
                memory.projects[id] = project
            }
        }
        guard let state = fresh.state(named: name) else {
            throw APIError(
                .invalidState,
                "'\(name)' is not a workflow state of Linear team \(fresh.key) (states: \(fresh.states.map(\.name).joined(separator: ", ")))"
            )
        }
        return state
    }

    // MARK: - Reads

    /// The tracker states of the project's teams, in board order.
    public func states(of project: ProjectView) async throws -> [String] {
        try await linear {
            let (endpoint, _) = try await endpoint(for: project)
            return try await projectInfo(project, at: endpoint).stateNames
        }
    }

    /// The issue's view after a write.
    func view(_ identifier: String) async throws -> IssueView {
        try await RuntimeAPI(board: board, providers: Providers([self])).issue(identifier)
    }

    /// Runs `body`, reporting Linear's errors as ``APIError``s with their category as the code.
    func linear<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LinearError {
            throw error.apiError
        }
    }
}
