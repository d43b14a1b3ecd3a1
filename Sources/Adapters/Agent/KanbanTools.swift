import Foundation
public import Runtime
import StateMachine

/// The kanban board's tools for the agent working on one issue, executed on the host.
///
/// | tool | arguments | effect |
/// | --- | --- | --- |
/// | `kanban_get_issue` | `{identifier?}` | the issue (this one by default) with blockers and comments, as JSON |
/// | `kanban_comment` | `{body}` | adds a comment to this issue, authored `agent` |
/// | `kanban_move` | `{state}` | moves this issue to a tracker state of the workflow |
///
/// Writes are limited to the session's own issue; reads may look at any issue of the board.
public struct KanbanTools: AgentToolProvider {
    /// The daemon's API: a move commits with its lifecycle consequences.
    public let api: RuntimeAPI
    /// The identifier of the issue this session works on.
    public let identifier: String
    /// The board's columns when the session started.
    public let columns: [String]

    public init(api: RuntimeAPI, identifier: String, columns: [String]) {
        self.api = api
        self.identifier = identifier
        self.columns = columns
    }

    public var toolSpecs: [AgentToolSpec] {
        [
            AgentToolSpec(
                name: "kanban_get_issue",
                description: "Read a kanban issue (this session's issue by default): fields, labels, blockers and comments, as JSON.",
                inputSchema: [
                    "type": "object",
                    "properties": ["identifier": ["type": "string", "description": "e.g. MAE-12; omit for this issue"]],
                    "additionalProperties": false,
                ]),
            AgentToolSpec(
                name: "kanban_comment",
                description: "Add a comment to this session's kanban issue.",
                inputSchema: [
                    "type": "object", "properties": ["body": ["type": "string"]], "required": ["body"],
                    "additionalProperties": false,
                ]),
            AgentToolSpec(
                name: "kanban_move",
                description: "Move this session's kanban issue to a tracker state, e.g. to hand it to review: "
                    + columns.joined(separator: ", ") + ".",
                inputSchema: [
                    "type": "object",
                    "properties": ["state": ["type": "string", "enum": .array(columns.map(JSONValue.string))]],
                    "required": ["state"], "additionalProperties": false,
                ]),
        ]
    }

    public func execute(name: String, arguments: JSONValue) async -> AgentToolResult {
        do {
            switch name {
            case "kanban_get_issue":
                return .success(try await describe(arguments["identifier"]?.stringValue ?? identifier))
            case "kanban_comment":
                guard let body = arguments["body"]?.stringValue else { return .failure("kanban_comment needs a string `body`") }
                _ = try await api.comment(on: identifier, body: body, author: "agent")
                return .success("commented on \(identifier)")
            case "kanban_move":
                guard let state = arguments["state"]?.stringValue else { return .failure("kanban_move needs a string `state`") }
                let issue = try await api.moveIssue(identifier, to: state)
                return .success("\(issue.identifier) is now in \(issue.state)")
            default:
                return .failure("unknown tool \(name)")
            }
        } catch let error as APIError {
            return .failure(error.message)
        } catch {
            return .failure("\(error)")
        }
    }

    private func describe(_ identifier: String) async throws -> String {
        let detail = try await api.issueDetail(identifier, recentEvents: 0)
        let issue = detail.issue
        var object: [String: JSONValue] = [
            "identifier": .string(issue.identifier), "title": .string(issue.title),
            "description": issue.description.map(JSONValue.string) ?? .null, "state": .string(issue.state),
            "priority": issue.priority.map(JSONValue.int) ?? .null, "labels": .array(issue.labels.map(JSONValue.string)),
        ]
        object["blocked_by"] = .array(
            issue.blockedBy.map { ["identifier": $0.identifier.map(JSONValue.string) ?? .null, "state": $0.state.map(JSONValue.string) ?? .null] })
        object["comments"] = .array(
            detail.comments.map { ["author": .string($0.author), "body": .string($0.body), "at": .string(MaestroJSON.timestamp($0.createdAt))] })
        return JSONValue.object(object).compactText
    }
}
