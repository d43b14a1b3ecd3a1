import Foundation
public import Runtime

/// The tools of an agent working on a Linear-backed issue, executed on the host with the project's
/// key (the agent never sees it):
///
/// | tool | arguments | effect |
/// | --- | --- | --- |
/// | `linear_graphql` | `{query, variables?}` | runs one GraphQL document against the project's Linear endpoint; the response JSON is the result (Symphony's tool) |
/// | `linear_move_issue` | `{state}` | moves this issue to a workflow state of its team, e.g. to hand it to review |
/// | `linear_comment` | `{body}` | comments on this issue |
///
/// `linear_graphql` shares the provider's rate-limit state; after a mutation this issue is read again
/// at once, so a state the agent set through it reaches the lifecycle without waiting for a poll.
/// The other two go through the daemon's API: the write-back and its lifecycle consequence commit
/// together.
public struct LinearTools: AgentToolProvider {
    public let api: RuntimeAPI
    public let provider: LinearProvider
    /// The identifier of the issue this session works on.
    public let identifier: String

    /// Longest response text handed back to the agent.
    static let responseLimit = 256 * 1024

    public init(api: RuntimeAPI, provider: LinearProvider, identifier: String) {
        self.api = api
        self.provider = provider
        self.identifier = identifier
    }

    public var toolSpecs: [AgentToolSpec] {
        [
            AgentToolSpec(
                name: "linear_graphql",
                description:
                    "Run a GraphQL query or mutation against Linear with maestro's credentials. Returns Linear's JSON response. "
                    + "Filters use Linear's names: issues(filter: {id: {eq: ...}}); an issue is found with issue(id: \"ENG-12\").",
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "query": ["type": "string", "description": "one GraphQL document"],
                        "variables": ["type": ["object", "null"], "description": "its variables"],
                    ],
                    "required": ["query"], "additionalProperties": false,
                ]),
            AgentToolSpec(
                name: "linear_move_issue",
                description: "Move this session's Linear issue to a workflow state of its team, e.g. to hand it to review.",
                inputSchema: [
                    "type": "object", "properties": ["state": ["type": "string", "description": "a state name, e.g. Human Review"]],
                    "required": ["state"], "additionalProperties": false,
                ]),
            AgentToolSpec(
                name: "linear_comment",
                description: "Comment on this session's Linear issue (markdown).",
                inputSchema: [
                    "type": "object", "properties": ["body": ["type": "string"]], "required": ["body"], "additionalProperties": false,
                ]),
        ]
    }

    public func execute(name: String, arguments: JSONValue) async -> AgentToolResult {
        do {
            switch name {
            case "linear_graphql":
                return try await graphql(arguments)
            case "linear_move_issue":
                guard let state = arguments["state"]?.stringValue else { return .failure("linear_move_issue needs a string `state`") }
                let issue = try await api.moveIssue(identifier, to: state)
                return .success("\(issue.identifier) is now in \(issue.state)")
            case "linear_comment":
                guard let body = arguments["body"]?.stringValue else { return .failure("linear_comment needs a string `body`") }
                _ = try await api.comment(on: identifier, body: body, author: "agent")
                return .success("commented on \(identifier)")
            default:
                return .failure("unknown tool \(name)")
            }
        } catch let error as APIError {
            return .failure("\(error.message) [\(error.code)]")
        } catch let error as LinearError {
            return .failure(error.description)
        } catch {
            return .failure("\(error)")
        }
    }

    private func graphql(_ arguments: JSONValue) async throws -> AgentToolResult {
        guard let query = arguments["query"]?.stringValue, !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .failure("linear_graphql needs a non-empty string `query`")
        }
        let variables = arguments["variables"] ?? .null
        guard variables == .null || variables.objectValue != nil else { return .failure("linear_graphql `variables` must be an object") }
        let issue = try await api.issue(identifier)
        let project = try await api.project(issue.project)
        let (endpoint, _) = try await provider.endpoint(for: project)
        let response = try await provider.transport.exchange(
            query: query, operationName: nil, variables: variables == .null ? [:] : variables, at: endpoint)
        let parsed = try? JSONParser.parse(response.body)
        let failed = response.status != 200 || parsed?.objectValue == nil || !(parsed?["errors"]?.arrayValue ?? []).isEmpty
        if !failed, query.contains("mutation") {
            _ = try? await provider.refresh([IssueRef(identifier: issue.identifier, externalId: issue.id, project: issue.project)], force: true)
        }
        var text = String(decoding: response.body, as: UTF8.self)
        if text.utf8.count > Self.responseLimit {
            text = String(decoding: Array(response.body.prefix(Self.responseLimit)), as: UTF8.self) + "\n[response truncated]"
        }
        if parsed == nil { text = "HTTP \(response.status), not JSON: " + text }
        return AgentToolResult(success: !failed, text: text)
    }
}
