import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Runtime
import Testing
import Transports

@Suite struct IssueRouteTests {
    static func seeded(_ client: any TestClientProtocol) async throws {
        _ = try await client.call(.post, "/api/v1/projects", json: #"{"name": "Maestro", "key": "MAE"}"#)
        for (title, extra) in [("first", #", "priority": 1, "labels": ["bug"]"#), ("second", ""), ("third", #", "labels": ["UI"]"#)] {
            let reply = try await client.call(.post, "/api/v1/issues", json: #"{"project": "MAE", "title": "\#(title)"\#(extra)}"#)
            #expect(reply.status == .created, "\(reply.text)")
        }
    }

    @Test func issuesAreCreatedFilteredPagedEditedMovedCommentedAndDeleted() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        try await harness.client { client in
            try await Self.seeded(client)
            let all = try await client.call(.get, "/api/v1/issues")
            #expect(keys(all.object) == ["items", "next_cursor"])
            let items = try #require(all.object["items"] as? [[String: Any]])
            #expect(items.map { $0["identifier"] as? String } == ["MAE-1", "MAE-2", "MAE-3"])
            #expect(
                keys(items.first) == [
                    "assignee", "blocked_by", "branch_name", "created_at", "description", "id", "identifier", "labels", "lifecycle", "priority",
                    "project", "provider", "state", "title", "updated_at", "url", "visible",
                ])
            let labelled = try await client.call(.get, "/api/v1/issues?label=ui")
            #expect((labelled.object["items"] as? [[String: Any]])?.map { $0["identifier"] as? String } == ["MAE-3"])
            let searched = try await client.call(.get, "/api/v1/issues?search=SECO&lifecycle=queued&project=mae&state=todo")
            #expect((searched.object["items"] as? [[String: Any]])?.map { $0["identifier"] as? String } == ["MAE-2"])
            // Pages of one, following next_cursor, cover the list once.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await client.call(.get, "/api/v1/issues?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += (page.object["items"] as? [[String: Any]] ?? []).compactMap { $0["identifier"] as? String }
                cursor = page.object["next_cursor"] as? String
            } while cursor != nil
            #expect(seen == ["MAE-1", "MAE-2", "MAE-3"])

            let patched = try await client.call(.patch, "/api/v1/issues/mae-2", json: #"{"title": "Second", "add_blockers": ["MAE-1"]}"#)
            #expect(patched.status == .ok && patched.object["title"] as? String == "Second")
            #expect((patched.object["blocked_by"] as? [[String: Any]])?.first?["identifier"] as? String == "MAE-1")
            let moved = try await client.call(.post, "/api/v1/issues/MAE-1/move", json: #"{"state": "Done"}"#)
            #expect(moved.status == .ok && moved.object["state"] as? String == "done")
            let comment = try await client.call(.post, "/api/v1/issues/MAE-2/comments", json: #"{"body": "looks good", "author": "ana"}"#)
            #expect(comment.status == .created && keys(comment.object) == ["author", "body", "created_at", "id", "issue"])
            let comments = try await client.call(.get, "/api/v1/issues/MAE-2/comments")
            #expect(comments.array.map { $0["body"] as? String } == ["looks good"])
            let detail = try await client.call(.get, "/api/v1/issues/MAE-2")
            #expect(
                keys(detail.object) == [
                    "allowed_commands", "comments", "issue", "pending_requests", "recent_events", "sessions", "tokens", "transitions",
                    "workspace",
                ])
            let transitions = try await client.call(.get, "/api/v1/issues/MAE-1/transitions?after=0&limit=10")
            #expect(transitions.array.map { $0["to"] as? String } == ["closed"], "the daemon's board judged the move")
            #expect(try await client.call(.get, "/api/v1/issues/MAE-2/sessions").array.isEmpty)
            #expect(try await client.call(.get, "/api/v1/issues/MAE-2/requests").array.isEmpty)
            let deleted = try await client.call(.delete, "/api/v1/issues/MAE-3")
            #expect(deleted.status == .ok && deleted.object["identifier"] as? String == "MAE-3")
            #expect(try await client.call(.get, "/api/v1/issues/MAE-3").status == .notFound)
        }
    }

    @Test func badIssueRequestsGetSpecificErrors() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Remote", key: "MEM", provider: "memory"))
        try await harness.client { client in
            try await Self.seeded(client)
            let remote = try await client.call(.post, "/api/v1/issues", json: #"{"project": "MEM", "title": "remote"}"#)
            #expect(remote.status == .created)
            let cases: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String)] = [
                (.post, "/api/v1/issues", #"{"title": "no project"}"#, .unprocessableContent, "invalid_value"),
                (.post, "/api/v1/issues", #"{"project": "NOPE", "title": "x"}"#, .notFound, "project_not_found"),
                (.post, "/api/v1/issues", #"{"project": "MAE", "title": "x", "state": "shipped"}"#, .unprocessableContent, "invalid_state"),
                (.post, "/api/v1/issues", #"{"project": "MAE", "title": "x", "priority": 9}"#, .unprocessableContent, "invalid_value"),
                (.post, "/api/v1/issues", #"{"project": "MAE", "title": "x", "blocked_by": ["MAE-9"]}"#, .notFound, "issue_not_found"),
                (.patch, "/api/v1/issues/MAE-1", #"{"add_blockers": ["MAE-1"]}"#, .unprocessableContent, "blocker_cycle"),
                (.patch, "/api/v1/issues/MAE-1", #"{}"#, .unprocessableContent, "invalid_value"),
                (.patch, "/api/v1/issues/MEM-1", #"{"title": "x"}"#, .unprocessableContent, "unsupported_by_provider"),
                (.post, "/api/v1/issues/MAE-1/move", #"{"state": "shipped"}"#, .unprocessableContent, "invalid_state"),
                (.post, "/api/v1/issues/MAE-1/move", #"{"status": "done"}"#, .unprocessableContent, "invalid_value"),
                (.post, "/api/v1/issues/MAE-1/comments", #"{"body": " "}"#, .unprocessableContent, "invalid_value"),
                (.get, "/api/v1/issues?lifecycle=sleeping", nil, .badRequest, "invalid_parameter"),
                (.get, "/api/v1/issues?limit=0", nil, .badRequest, "invalid_parameter"),
                (.get, "/api/v1/issues?limit=many", nil, .badRequest, "invalid_parameter"),
                (.get, "/api/v1/issues?cursor=bogus", nil, .unprocessableContent, "invalid_value"),
                (.get, "/api/v1/issues?state=shipped", nil, .unprocessableContent, "invalid_state"),
                (.get, "/api/v1/issues/MAE-9", nil, .notFound, "issue_not_found"),
                (.delete, "/api/v1/issues/MAE-9", nil, .notFound, "issue_not_found"),
                (.get, "/api/v1/issues/MAE-1/transitions?after=-1", nil, .badRequest, "invalid_parameter"),
            ]
            for (method, uri, body, status, code) in cases {
                let reply = try await client.call(method, uri, json: body)
                #expect(reply.status == status, "\(method) \(uri) \(body ?? ""): \(reply.text)")
                #expect(reply.code == code, "\(method) \(uri) \(body ?? ""): \(reply.text)")
            }
        }
    }
}
