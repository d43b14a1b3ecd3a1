public import Foundation
public import Runtime
import StateMachine
public import WorkflowParser

/// A Linear-backed project's options, kept in the project's `settings` (strings, never a secret:
/// the API key is named by its environment variable).
public struct LinearProjectSettings: Sendable, Hashable {
    /// The keys a caller may set when creating a project; `slug`, `url`, `team_id` and `team_key`
    /// are written by maestro from Linear's answer.
    public static let callerKeys: Set<String> = ["endpoint", "api_key_env", "assignee", "page_size", "webhook_secret_env", "timeout_ms"]
    static let maestroKeys: Set<String> = ["slug", "url", "team_id", "team_key"]

    public var endpoint: String
    /// The environment variable holding the API key.
    public var apiKeyVariable: String
    /// A user id, or `me` (the key's user); `nil`: every issue of the project.
    public var assignee: String?
    /// Issues per page of a sync, 1...250.
    public var pageSize: Int
    /// The environment variable holding the webhook signing secret; `nil`: webhooks off.
    public var webhookSecretVariable: String?
    public var timeout: Duration
    /// The project's slug, its first team (new issues go there).
    public var slug: String?
    public var teamId: String?

    public init(_ settings: [String: String]) {
        endpoint = settings["endpoint"].flatMap { $0.isEmpty ? nil : $0 } ?? LinearEndpoint.defaultURL
        apiKeyVariable = settings["api_key_env"].flatMap { $0.isEmpty ? nil : $0 } ?? WorkflowConfig.defaultLinearKeyVariable
        assignee = settings["assignee"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        pageSize = settings["page_size"].flatMap(Int.init).map { min(max($0, 1), 250) } ?? 50
        webhookSecretVariable = settings["webhook_secret_env"].flatMap { $0.isEmpty ? nil : $0 }
        timeout = .milliseconds(settings["timeout_ms"].flatMap(Int.init).map { max($0, 100) } ?? 30_000)
        slug = settings["slug"]
        teamId = settings["team_id"]
    }

    /// Checks options given by a caller: known keys, variable names that are names, sizes in range.
    /// A value that looks like a Linear key is refused: settings are shown on every surface.
    public static func validate(_ settings: [String: String]) throws(APIError) {
        for (key, value) in settings {
            guard callerKeys.contains(key) || maestroKeys.contains(key) else {
                throw APIError(
                    .invalidValue, "unknown Linear project setting '\(key)' (known: \(callerKeys.sorted().joined(separator: ", ")))")
            }
            if value.hasPrefix("lin_api_") || value.hasPrefix("lin_oauth_") {
                throw APIError(.invalidValue, "setting '\(key)' holds a Linear key; name its environment variable with api_key_env instead")
            }
        }
        for key in ["api_key_env", "webhook_secret_env"] {
            if let name = settings[key], !isVariableName(name) {
                throw APIError(.invalidValue, "\(key) must be an environment variable name like LINEAR_API_KEY, got '\(name)'")
            }
        }
        if let size = settings["page_size"], Int(size).map({ (1...250).contains($0) }) != true {
            throw APIError(.invalidValue, "page_size must be an integer in 1...250, got '\(size)'")
        }
        if let timeout = settings["timeout_ms"], Int(timeout).map({ $0 >= 100 }) != true {
            throw APIError(.invalidValue, "timeout_ms must be an integer >= 100, got '\(timeout)'")
        }
        if let endpoint = settings["endpoint"], URL(string: endpoint).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
            throw APIError(.invalidValue, "endpoint must be an http(s) URL, got '\(endpoint)'")
        }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
    }
}

/// The Linear settings of a WORKFLOW.md with `tracker.kind: linear` (Symphony's keys): the project
/// it names and the options that apply to that project while this workflow is in force.
public struct LinearWorkflowTracker: Sendable, Hashable {
    /// The project's slug or id, as written.
    public var projectSlug: String
    /// Options as project settings (`api_key_env`, `endpoint`, `assignee`, `page_size`, ...).
    public var settings: [String: String]
    /// The maestro key to give the project when maestro creates it.
    public var projectKey: String?

    /// `nil` unless the workflow's tracker is Linear with a project slug.
    public init?(workflow: Workflow) {
        let tracker = workflow.config.tracker
        guard tracker.kind == "linear", let slug = tracker.provider["project_slug"]?.stringValue?.trimmingCharacters(in: .whitespaces),
            !slug.isEmpty
        else { return nil }
        projectSlug = slug
        var settings: [String: String] = [:]
        settings["api_key_env"] = tracker.providerEnvironmentNames["api_key"] ?? WorkflowConfig.defaultLinearKeyVariable
        if let endpoint = tracker.provider["endpoint"]?.stringValue, !endpoint.isEmpty { settings["endpoint"] = endpoint }
        if let assignee = tracker.provider["assignee"]?.stringValue?.trimmingCharacters(in: .whitespaces), !assignee.isEmpty {
            settings["assignee"] = assignee
        }
        if case .int(let size) = tracker.provider["page_size"] { settings["page_size"] = String(size) }
        if case .int(let timeout) = tracker.provider["timeout_ms"] { settings["timeout_ms"] = String(timeout) }
        if let variable = tracker.providerEnvironmentNames["webhook_secret"] { settings["webhook_secret_env"] = variable }
        self.settings = settings
        projectKey = tracker.provider["project_key"]?.stringValue
    }

    /// Whether `project` is the one this workflow names.
    public func names(_ project: ProjectView) -> Bool {
        project.provider == "linear" && (project.externalId == projectSlug || project.settings["slug"] == projectSlug)
    }
}

/// The tracker states a sync follows: active ones and those the lifecycle maps (claim, review,
/// done), except terminal ones (a project's history of done issues is not mirrored; issues that
/// reach a terminal state are found by a refresh by id).
public func linearFollowedStates(_ workflow: Workflow) -> [String] {
    let tracker = workflow.config.tracker
    let terminal = Set(tracker.terminalStates.map(normalizedTrackerState))
    var seen = Set<String>()
    return (tracker.activeStates + [tracker.claimState, tracker.reviewState, tracker.doneState].compactMap { $0 }).filter {
        let name = normalizedTrackerState($0)
        return !terminal.contains(name) && seen.insert(name).inserted
    }
}
