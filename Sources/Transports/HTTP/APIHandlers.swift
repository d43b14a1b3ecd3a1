import Foundation
import HTTPTypes
import Hummingbird
import Runtime
import StateMachine

/// The routes of `/api/v1`: each parses, calls the Runtime API and prints its JSON. None writes a
/// query or decides a lifecycle change.
struct APIHandlers: Sendable {
    let api: RuntimeAPI
    let settings: HTTPSettings

    var routes: [APIRoute] {
        [
            // Symphony's endpoints (§13.7).
            APIRoute(.get, "/api/v1/state") { _, _ in try JSONBody.response(try await api.snapshot()) },
            APIRoute(.post, "/api/v1/refresh") { _, _ in
                let coalesced = try await api.refresh()
                return try JSONBody.response(RefreshAccepted(coalesced: coalesced, requestedAt: Date()), status: .accepted)
            },
            APIRoute(.get, "/api/v1/:identifier") { request, context in
                let detail = try await api.issueDetail(try request.capture("identifier", context))
                let snapshot = try? await api.snapshot()
                return try JSONBody.response(SymphonyIssue(detail: detail, snapshot: snapshot))
            },
            // Projects.
            APIRoute(.get, "/api/v1/projects") { _, _ in try JSONBody.response(try await api.projects()) },
            APIRoute(.post, "/api/v1/projects") { request, _ in
                try JSONBody.response(
                    try await api.createProject(try await request.json(NewProject.self, limit: settings.bodyLimit)), status: .created)
            },
            APIRoute(.get, "/api/v1/projects/:key") { request, context in
                try JSONBody.response(try await api.project(try request.capture("key", context)))
            },
            APIRoute(.patch, "/api/v1/projects/:key") { request, context in
                let changes = try await request.json(ProjectChanges.self, limit: settings.bodyLimit)
                return try JSONBody.response(try await api.updateProject(try request.capture("key", context), changes))
            },
            APIRoute(.delete, "/api/v1/projects/:key") { request, context in
                try JSONBody.response(try await api.deleteProject(try request.capture("key", context)))
            },
            APIRoute(.get, "/api/v1/projects/:key/states") { request, context in
                try JSONBody.response(try await api.states(of: try request.capture("key", context)))
            },
            // Issues.
            APIRoute(.get, "/api/v1/issues") { request, _ in try JSONBody.response(try await api.issues(try Self.issueQuery(request))) },
            APIRoute(.post, "/api/v1/issues") { request, _ in
                let body = try await request.jsonData(limit: settings.bodyLimit)
                let target = try MaestroJSON.decoder().decode(ProjectField.self, from: body)
                let new = try MaestroJSON.decoder().decode(NewIssue.self, from: body)
                return try JSONBody.response(try await api.createIssue(in: target.project, new), status: .created)
            },
            APIRoute(.get, "/api/v1/issues/:identifier") { request, context in
                try JSONBody.response(try await api.issueDetail(try request.capture("identifier", context)))
            },
            APIRoute(.patch, "/api/v1/issues/:identifier") { request, context in
                let changes = try await request.json(IssueChanges.self, limit: settings.bodyLimit)
                return try JSONBody.response(try await api.updateIssue(try request.capture("identifier", context), changes))
            },
            APIRoute(.delete, "/api/v1/issues/:identifier") { request, context in
                try JSONBody.response(try await api.deleteIssue(try request.capture("identifier", context)))
            },
            APIRoute(.post, "/api/v1/issues/:identifier/move") { request, context in
                let move = try await request.json(MoveBody.self, limit: settings.bodyLimit)
                return try JSONBody.response(try await api.moveIssue(try request.capture("identifier", context), to: move.state))
            },
            APIRoute(.get, "/api/v1/issues/:identifier/comments") { request, context in
                try JSONBody.response(try await api.comments(try request.capture("identifier", context)))
            },
            APIRoute(.post, "/api/v1/issues/:identifier/comments") { request, context in
                let comment = try await request.json(CommentBody.self, limit: settings.bodyLimit)
                let created = try await api.comment(
                    on: try request.capture("identifier", context), body: comment.body, author: comment.author ?? "operator")
                return try JSONBody.response(created, status: .created)
            },
            APIRoute(.get, "/api/v1/issues/:identifier/transitions") { request, context in
                let identifier = try request.capture("identifier", context)
                let (after, limit) = try Self.paging(request)
                return try JSONBody.response(try await api.transitions(after: after, limit: limit, issue: identifier))
            },
            APIRoute(.get, "/api/v1/issues/:identifier/sessions") { request, context in
                let detail = try await api.issueDetail(try request.capture("identifier", context), recentEvents: 500)
                return try JSONBody.response(SessionTail.tails(detail))
            },
            APIRoute(.get, "/api/v1/issues/:identifier/requests") { request, context in
                try JSONBody.response(try await api.pendingRequests(try request.capture("identifier", context)))
            },
        ] + commandRoutes + logRoutes
    }

    /// `POST /api/v1/issues/{identifier}/{command}`: the operator commands, answered with the
    /// verdict (200 applied, 409 rejected with the machine's code, 202 not applied yet).
    private var commandRoutes: [APIRoute] {
        OperatorCommand.allCases.map { command in
            APIRoute(.post, "/api/v1/issues/:identifier/\(command.rawValue)") { request, context in
                let identifier = try request.capture("identifier", context)
                var answer: AnswerBody?
                if command == .answer { answer = try await request.json(AnswerBody.self, limit: settings.bodyLimit) }
                let verdict = try await api.submit(command, to: identifier, answer: answer?.answer, requestId: answer?.requestId)
                switch verdict.status {
                case .applied: return try JSONBody.response(verdict)
                case .pending: return try JSONBody.response(verdict, status: .accepted)
                case .rejected: throw HTTPFailure(verdict.error ?? APIError(code: "rejected", message: "the lifecycle refused the command"))
                }
            }
        }
    }

    private var logRoutes: [APIRoute] {
        [
            APIRoute(.get, "/api/v1/transitions") { request, _ in
                let (after, limit) = try Self.paging(request)
                return try JSONBody.response(try await api.transitions(after: after, limit: limit))
            },
            APIRoute(.get, "/api/v1/changes") { request, _ in
                let (after, limit) = try Self.paging(request)
                return try JSONBody.response(try await api.changes(after: after, limit: limit))
            },
            APIRoute(.get, "/api/v1/log") { request, _ in
                let (after, limit) = try Self.paging(request)
                let entries = try await api.log(after: after, limit: limit)
                return JSONBody.response("[" + (try entries.map(EventStream.message)).joined(separator: ",") + "]")
            },
            APIRoute(.get, "/api/v1/sessions") { request, _ in
                try JSONBody.response(try await api.sessions(limit: Int(try request.queryInt("limit", in: 1...1000) ?? 100)))
            },
            APIRoute(.get, "/api/v1/board") { _, _ in try JSONBody.response(try await api.boardOverview()) },
            APIRoute(.get, "/api/v1/workflow") { _, _ in try JSONBody.response(try await api.snapshot().workflow) },
            APIRoute(.get, "/api/v1/graph") { request, _ in try await GraphEndpoint(api: api).respond(request) },
            APIRoute(.post, "/api/v1/webhooks/:provider") { request, context in
                let body = try await request.bodyBytes(limit: settings.bodyLimit)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let outcome = try await api.receiveWebhook(provider: try request.capture("provider", context), headers: headers, body: body)
                return try JSONBody.response(outcome)
            },
        ]
    }

    static func paging(_ request: Request) throws -> (after: Int64, limit: Int) {
        (try request.queryInt("after", in: 0...Int64.max) ?? 0, Int(try request.queryInt("limit", in: 1...1000) ?? 500))
    }

    static func issueQuery(_ request: Request) throws -> IssueQuery {
        var lifecycle: LifecycleState?
        if let text = request.query("lifecycle") {
            guard let state = LifecycleState(rawValue: text) else {
                throw HTTPFailure(
                    .badRequest, "invalid_parameter",
                    "`lifecycle` must be one of \(LifecycleState.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
            }
            lifecycle = state
        }
        return IssueQuery(
            project: request.query("project"), state: request.query("state"), lifecycle: lifecycle, label: request.query("label"),
            search: request.query("search"), limit: try request.queryInt("limit", in: 1...1000).map(Int.init),
            cursor: request.query("cursor"))
    }
}

/// Bodies of the routes that take one.
struct ProjectField: Decodable { var project: String }
struct MoveBody: Decodable { var state: String }
struct CommentBody: Decodable {
    var body: String
    var author: String?
}
struct AnswerBody: Decodable {
    var answer: String
    var requestId: String?

    enum CodingKeys: String, CodingKey {
        case answer
        case requestId = "request_id"
    }
}

/// A session with the tail of its events.
struct SessionTail: Encodable {
    var session: SessionView
    var events: [RuntimeEventView]

    static func tails(_ detail: IssueDetailView) -> [SessionTail] {
        detail.sessions.map { session in
            SessionTail(session: session, events: Array(detail.recentEvents.filter { $0.sessionId == session.id }.suffix(50)))
        }
    }
}
