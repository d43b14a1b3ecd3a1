import Foundation
import MCP
import Runtime
import StateMachine

/// The resources: the board, each issue (a template), the lifecycle graph and the workflow, in the
/// Runtime API's JSON. Each is announced to subscribers when a committed log entry changes it.
enum ResourceCatalog {
    static let boardURI = "maestro://board"
    static let graphURI = "maestro://graph"
    static let workflowURI = "maestro://workflow"
    static let issuePrefix = "maestro://issues/"

    static let resources: [Resource] = [
        Resource(
            name: "board", uri: boardURI, title: "Board overview",
            description: "Issue counts by tracker state and lifecycle state, and the projects (the board overview object).",
            mimeType: "application/json"),
        Resource(
            name: "graph", uri: graphURI, title: "Lifecycle graph",
            description: "The lifecycle of the workflow in force: the Mermaid overview, then the SVG overview with each state's issue count.",
            mimeType: "text/vnd.mermaid"),
        Resource(
            name: "workflow", uri: workflowURI, title: "Workflow status",
            description: "The workflow in force: file, revision, summary, errors of the last rejected edit.", mimeType: "application/json"),
    ]

    static let templates: [Resource.Template] = [
        Resource.Template(
            uriTemplate: issuePrefix + "{identifier}", name: "issue", title: "Issue",
            description: "One issue's detail: the issue, comments, transitions, sessions, pending requests, recent events, tokens.",
            mimeType: "application/json")
    ]

    /// What a URI names.
    enum Target: Hashable, Sendable {
        case board, graph, workflow
        case issue(String)
    }

    /// The target of `uri`; `nil` for a URI that names no resource.
    static func target(_ uri: String) -> Target? {
        switch uri {
        case boardURI: return .board
        case graphURI: return .graph
        case workflowURI: return .workflow
        default:
            guard uri.hasPrefix(issuePrefix) else { return nil }
            let identifier = uri.dropFirst(issuePrefix.count)
            guard !identifier.isEmpty, !identifier.contains("/") else { return nil }
            return .issue(identifier.removingPercentEncoding?.uppercased() ?? identifier.uppercased())
        }
    }

    /// The target of `uri`, checked: an issue must exist.
    static func resolve(_ uri: String, api: RuntimeAPI) async throws(MCPError) -> Target {
        guard let target = target(uri) else {
            throw MCPError.invalidParams("no resource '\(uri)'; resources/list and resources/templates/list name them")
        }
        if case .issue(let identifier) = target {
            do {
                _ = try await api.issue(identifier)
            } catch {
                throw Self.error(error, uri: uri)
            }
        }
        return target
    }

    static func read(_ uri: String, api: RuntimeAPI) async throws(MCPError) -> ReadResource.Result {
        let target = try await resolve(uri, api: api)
        do {
            switch target {
            case .board:
                return .init(contents: [.text(try MaestroJSON.text(try await api.boardOverview()), uri: uri, mimeType: "application/json")])
            case .workflow:
                return .init(contents: [.text(try MaestroJSON.text(try await api.snapshot().workflow), uri: uri, mimeType: "application/json")])
            case .issue(let identifier):
                return .init(contents: [.text(try MaestroJSON.text(try await api.issueDetail(identifier)), uri: uri, mimeType: "application/json")])
            case .graph:
                let mermaid = try await ToolCatalog.graph(format: .mermaid, view: .overview, api: api)
                let svg = try await ToolCatalog.graph(format: .svg, view: .overview, api: api)
                return .init(contents: [
                    .text(mermaid.graph.stringValue ?? "", uri: uri, mimeType: "text/vnd.mermaid"),
                    .text(svg.graph.stringValue ?? "", uri: uri, mimeType: "image/svg+xml"),
                ])
            }
        } catch {
            throw Self.error(error, uri: uri)
        }
    }

    /// A Runtime API failure as a JSON-RPC error: a missing issue is MCP's "resource not found"
    /// (-32002); anything else names its code in the message.
    static func error(_ error: any Error, uri: String) -> MCPError {
        if let error = error as? MCPError { return error }
        let failure = APIError.from(error)
        if failure.code == APIError.Code.issueNotFound.rawValue {
            return .serverError(code: -32002, message: "resource not found: \(uri) (\(failure.message))")
        }
        return .serverError(code: -32000, message: "\(failure.message) [\(failure.code)]")
    }
}
