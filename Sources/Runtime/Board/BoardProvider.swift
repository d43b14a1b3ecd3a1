import Foundation

/// A tracker that owns projects' issues: the local kanban board today, Linear next. The Runtime API
/// routes every board command of a project to its provider; a provider writes tracker facts
/// (through ``Board``) and never a lifecycle state.
public protocol BoardProvider: Sendable {
    /// The `provider` of the projects this tracker serves: `kanban`, `linear`.
    var kind: String { get }
    /// Environment variable names that hold this tracker's secrets; never passed to agents or hooks.
    var secretEnvironmentNames: [String] { get }
    /// The tracker states an issue of `project` can be in, in board order.
    func states(of project: ProjectView) async throws -> [String]
    func createProject(_ new: NewProject) async throws -> ProjectView
    func deleteProject(_ project: ProjectView) async throws -> ProjectView
    func createIssue(in project: ProjectView, _ new: NewIssue) async throws -> IssueView
    func updateIssue(_ issue: IssueView, _ changes: IssueChanges) async throws -> IssueView
    /// Moves an issue to a tracker state. With `expected`, an issue no longer in that state is left
    /// alone, so a write-back never overrides a change made meanwhile.
    func moveIssue(_ issue: IssueView, to state: String, ifCurrently expected: String?) async throws -> IssueView
    func comment(on issue: IssueView, body: String, author: String) async throws -> CommentView
    func deleteIssue(_ issue: IssueView) async throws -> IssueView
    /// Brings the store's copy of `issues` up to date with the tracker, in as few requests as the
    /// tracker allows. The kanban board is its own store and has nothing to do.
    func refresh(_ issues: [IssueRef]) async throws
}

/// An issue as a tracker knows it: enough to ask the tracker about it.
public struct IssueRef: Sendable, Hashable {
    public var identifier: String
    /// The tracker's id.
    public var externalId: String
    /// The project's key.
    public var project: String

    public init(identifier: String, externalId: String, project: String) {
        self.identifier = identifier
        self.externalId = externalId
        self.project = project
    }
}

/// The providers of one process, by kind.
public struct Providers: Sendable {
    private let byKind: [String: any BoardProvider]

    public init(_ providers: [any BoardProvider]) {
        byKind = Dictionary(providers.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The provider of `kind`, or `unknown_provider`.
    public func provider(_ kind: String) throws(APIError) -> any BoardProvider {
        guard let provider = byKind[kind] else {
            throw APIError(
                .unknownProvider, "no tracker '\(kind)' in this maestro (available: \(byKind.keys.sorted().joined(separator: ", ")))")
        }
        return provider
    }

    public var kinds: [String] { byKind.keys.sorted() }

    /// Every provider's secret variable names.
    public var secretEnvironmentNames: [String] { byKind.values.flatMap(\.secretEnvironmentNames).sorted() }
}

/// A tracker that also accepts pushed notifications (Linear's webhooks). Polling stays the source of
/// truth; a delivery only makes the runtime look sooner.
public protocol WebhookReceiver: Sendable {
    /// Verifies one delivery (signature, freshness) and acts on it (a targeted refresh). Throws
    /// ``APIError`` with `unauthorized` for a bad signature or a stale delivery, `invalid_value` for
    /// a body it cannot read.
    func receiveWebhook(headers: [String: String], body: [UInt8]) async throws -> WebhookOutcome
}

/// What a webhook delivery led to.
public struct WebhookOutcome: Codable, Sendable, Hashable {
    /// Whether the delivery was acted on (`false`: valid but about nothing maestro follows).
    public var accepted: Bool
    /// The issues it refreshed, by identifier.
    public var refreshed: [String]

    public init(accepted: Bool, refreshed: [String]) {
        self.accepted = accepted
        self.refreshed = refreshed
    }
}
