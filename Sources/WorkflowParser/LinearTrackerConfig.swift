import Foundation
import StateMachine

/// The tracker defaults of a `tracker.kind`: the kanban board's snake_case columns, or Linear's
/// workflow state names (Symphony's defaults for `kind: linear`).
struct TrackerDefaults {
    var activeStates: [String]
    var terminalStates: [String]
    /// Used only when it is one of the active states.
    var claimState: String
    var reviewState: String
    var doneState: String

    init(kind: String) {
        if kind == "linear" {
            activeStates = ["Todo", "In Progress"]
            terminalStates = ["Closed", "Cancelled", "Canceled", "Duplicate", "Done"]
            claimState = "In Progress"
            reviewState = "Human Review"
            doneState = "Done"
        } else {
            activeStates = ["todo", "in_progress"]
            terminalStates = ["done", "cancelled"]
            claimState = "in_progress"
            reviewState = "human_review"
            doneState = "done"
        }
    }
}

extension WorkflowConfig {
    /// The `tracker.provider` keys that older Symphony files write directly under `tracker:`.
    public static let flatLinearKeys = ["endpoint", "api_key", "project_slug", "assignee"]
    /// Where Linear's API key is read from when the workflow names none.
    public static let defaultLinearKeyVariable = "LINEAR_API_KEY"
    /// Where the assignee filter is read from when the workflow names none (Symphony's fallback).
    public static let defaultLinearAssigneeVariable = "LINEAR_ASSIGNEE"
}

extension ConfigReader {
    /// Symphony's first spec put the Linear settings directly under `tracker:`; they are aliases of
    /// `tracker.provider.*` for `kind: linear` (a key in `provider` wins), and ignored otherwise.
    mutating func decodeFlatTrackerKeys(kind: String, provider: inout [String: ConfigValue], secrets: inout [String: String]) {
        for key in WorkflowConfig.flatLinearKeys {
            let path = "tracker." + key
            guard let node = node(path) else { continue }
            guard kind == "linear" else {
                report(
                    .unknownConfigKey, "\(path) applies to tracker.kind linear only; ignored",
                    hint: "remove it, or set tracker.kind: linear", at: keyNode(path), severity: .warning)
                continue
            }
            guard provider[key] == nil else { continue }
            let value = configValue(node)
            if let text = value.stringValue, let name = Self.variableName(text) {
                secrets[key] = name
                provider[key] = .string(environment[name] ?? "")
            } else {
                provider[key] = value
            }
        }
    }

    /// The Linear adapter's settings with Symphony's error codes: an API key (only as `$VAR`; the
    /// `LINEAR_API_KEY` fallback) and a project slug are required; the rest is checked for shape.
    mutating func checkLinearProvider(_ provider: inout [String: ConfigValue], secrets: inout [String: String]) {
        let at = node("tracker.provider") ?? node("tracker")
        let keyNode = node("tracker.provider.api_key") ?? node("tracker.api_key")
        if let variable = secrets["api_key"] {
            let value = (environment[variable] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if value.isEmpty {
                report(
                    .missingTrackerApiKey, "tracker.provider.api_key refers to $\(variable), which is not set or empty",
                    hint: "export \(variable) with a Linear API key", at: keyNode)
            }
            provider["api_key"] = .string(value)
        } else if provider["api_key"] != nil, provider["api_key"] != .null {
            report(
                .invalidConfigValue, "tracker.provider.api_key must name an environment variable, like $LINEAR_API_KEY",
                hint: "a key written in WORKFLOW.md is readable by every agent; export it and write `api_key: $NAME`", at: keyNode)
            provider["api_key"] = nil
        } else {
            let variable = WorkflowConfig.defaultLinearKeyVariable
            let value = (environment[variable] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if value.isEmpty {
                report(
                    .missingTrackerApiKey, "the linear tracker needs an API key: $\(variable) is not set",
                    hint: "export \(variable), or set tracker.provider.api_key: $NAME", at: at)
            } else {
                secrets["api_key"] = variable
                provider["api_key"] = .string(value)
            }
        }
        let slug = provider["project_slug"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        if slug.isEmpty {
            report(
                .missingTrackerProjectSlug, "the linear tracker needs tracker.provider.project_slug",
                hint: "set project_slug to the Linear project's slug (the end of its URL) or id",
                at: node("tracker.provider.project_slug") ?? node("tracker.project_slug") ?? at)
        }
        if provider["assignee"] == nil, let value = environment[WorkflowConfig.defaultLinearAssigneeVariable], !value.isEmpty {
            secrets["assignee"] = WorkflowConfig.defaultLinearAssigneeVariable
            provider["assignee"] = .string(value)
        }
        if let endpoint = provider["endpoint"], endpoint != .null {
            let text = endpoint.stringValue ?? ""
            if URL(string: text).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
                report(
                    .invalidConfigValue, "tracker.provider.endpoint must be an http(s) URL",
                    hint: "remove it to use https://api.linear.app/graphql",
                    at: node("tracker.provider.endpoint") ?? node("tracker.endpoint"))
            }
        }
        if let size = provider["page_size"], size != .null {
            guard case .int(let value) = size, (1...250).contains(value) else {
                return report(
                    .invalidConfigValue, "tracker.provider.page_size must be an integer in 1...250",
                    hint: "Linear pages hold at most 250 issues; remove it to use 50", at: node("tracker.provider.page_size"))
            }
        }
        if let secret = provider["webhook_secret"], secret != .null, secrets["webhook_secret"] == nil {
            report(
                .invalidConfigValue, "tracker.provider.webhook_secret must name an environment variable",
                hint: "export the signing secret and write `webhook_secret: $NAME`", at: node("tracker.provider.webhook_secret"))
            provider["webhook_secret"] = nil
        } else if let variable = secrets["webhook_secret"], (environment[variable] ?? "").isEmpty {
            report(
                .unsetEnvironmentVariable, "tracker.provider.webhook_secret refers to $\(variable), which is not set",
                hint: "export \(variable), or remove webhook_secret to leave webhooks off", at: node("tracker.provider.webhook_secret"))
        }
    }
}
