import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Runtime
import Testing
import Transports

@Suite struct ProjectRouteTests {
    @Test func projectsAreCreatedListedShownRenamedAndDeleted() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        try await harness.client { client in
            let created = try await client.call(.post, "/api/v1/projects", json: #"{"name": "Maestro", "key": "mae", "description": "the core"}"#)
            #expect(created.status == .created)
            #expect(
                keys(created.object) == [
                    "created_at", "description", "external_id", "issue_count", "key", "name", "provider", "settings", "updated_at",
                ])
            #expect(created.object["key"] as? String == "MAE" && created.object["external_id"] is NSNull)
            let list = try await client.call(.get, "/api/v1/projects")
            #expect(list.status == .ok && list.array.map { $0["key"] as? String } == ["MAE"])
            let shown = try await client.call(.get, "/api/v1/projects/mae")
            #expect(shown.status == .ok && shown.object["name"] as? String == "Maestro")
            let renamed = try await client.call(.patch, "/api/v1/projects/MAE", json: #"{"name": "Maestro core"}"#)
            #expect(renamed.status == .ok && renamed.object["name"] as? String == "Maestro core")
            let states = try await client.call(.get, "/api/v1/projects/MAE/states")
            #expect(states.json as? [String] == ["backlog", "todo", "in_progress", "human_review", "done", "cancelled"])
            let deleted = try await client.call(.delete, "/api/v1/projects/MAE")
            #expect(deleted.status == .ok && deleted.object["key"] as? String == "MAE")
            #expect(try await client.call(.get, "/api/v1/projects/MAE").code == "project_not_found")
        }
    }

    @Test func badProjectRequestsGetSpecificErrors() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        try await harness.client { client in
            _ = try await client.call(.post, "/api/v1/projects", json: #"{"name": "Maestro", "key": "MAE"}"#)
            let cases: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String)] = [
                (.post, "/api/v1/projects", #"{"name": "Other", "key": "MAE"}"#, .conflict, "duplicate_project"),
                (.post, "/api/v1/projects", #"{"name": "#, .badRequest, "malformed_json"),
                (.post, "/api/v1/projects", #"{"key": "X"}"#, .unprocessableContent, "invalid_value"),
                (.post, "/api/v1/projects", #"{"name": 7}"#, .unprocessableContent, "invalid_value"),
                (.post, "/api/v1/projects", #"{"name": "  "}"#, .unprocessableContent, "invalid_value"),
                (.post, "/api/v1/projects", #"{"name": "Bad key", "key": "1x"}"#, .unprocessableContent, "invalid_value"),
                (.post, "/api/v1/projects", #"{"name": "Remote", "provider": "jira"}"#, .unprocessableContent, "unknown_provider"),
                (.post, "/api/v1/projects", nil, .badRequest, "malformed_json"),
                (.patch, "/api/v1/projects/MAE", #"{}"#, .unprocessableContent, "invalid_value"),
                (.patch, "/api/v1/projects/NOPE", #"{"name": "x"}"#, .notFound, "project_not_found"),
                (.delete, "/api/v1/projects/NOPE", nil, .notFound, "project_not_found"),
                (.get, "/api/v1/projects/NOPE/states", nil, .notFound, "project_not_found"),
            ]
            for (method, uri, body, status, code) in cases {
                let reply = try await client.call(method, uri, json: body)
                #expect(reply.status == status, "\(method) \(uri) \(body ?? "")")
                #expect(reply.code == code, "\(method) \(uri) \(body ?? ""): \(reply.text)")
                #expect(keys(reply.object["error"]) == ["code", "message"])
            }
            let form = try await client.call(
                .post, "/api/v1/projects", json: "name=x", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType && form.code == "unsupported_media_type")
        }
    }
}
