import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import Testing
import Transports

/// What every route shares: 404 and 405, body limits, the bearer token, deadlines, shutdown.
@Suite struct ProtocolTests {
    @Test func unknownRoutesAndWrongMethodsGetTheEnvelope() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        try await harness.client { client in
            let missing = try await client.call(.get, "/api/v2/state")
            #expect(missing.status == .notFound && missing.code == "not_found")
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.delete, "/api/v1/state", "GET"), (.post, "/api/v1/issues/MAE-1", "DELETE, GET, PATCH"),
                (.get, "/api/v1/refresh", "POST"), (.put, "/api/v1/projects", "GET, POST"), (.post, "/metrics", "GET"),
                (.get, "/api/v1/issues/MAE-1/pause", "POST"),
            ]
            for (method, uri, allow) in cases {
                let reply = try await client.call(method, uri)
                #expect(reply.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(reply.code == "method_not_allowed")
                #expect(reply.headers[.allow] == allow, "\(method) \(uri)")
            }
            let plainWebSocket = try await client.call(.get, "/api/v1/ws")
            #expect(plainWebSocket.status == .badRequest && plainWebSocket.code == "invalid_parameter")
        }
    }

    @Test func bodiesOverTheLimitAreRefused() async throws {
        let harness = try await HTTPHarness(settings: HTTPSettings(port: 0, bodyLimit: 64))
        defer { harness.cleanup() }
        try await harness.client { client in
            let big = #"{"name": "\#(String(repeating: "x", count: 200))"}"#
            let reply = try await client.call(.post, "/api/v1/projects", json: big)
            #expect(reply.status == .contentTooLarge && reply.code == "payload_too_large")
            #expect(try await harness.api.projects().isEmpty)
        }
    }

    @Test func withATokenEveryRequestNeedsIt() async throws {
        let harness = try await HTTPHarness(settings: HTTPSettings(port: 0, token: "s3cret-token"))
        defer { harness.cleanup() }
        try await harness.client { client in
            let none = try await client.call(.get, "/api/v1/state")
            #expect(none.status == .unauthorized && none.code == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.call(.get, "/api/v1/state", headers: [.authorization: "Bearer s3cret-tokem"])
            #expect(wrong.status == .unauthorized && wrong.message == "the bearer token is wrong")
            #expect(try await client.call(.get, "/api/v1/state", headers: [.authorization: "Bearer s3cret-token"]).status == .ok)
            #expect(try await client.call(.get, "/healthz?access_token=s3cret-token").status == .ok)
            #expect(try await client.call(.get, "/metrics").status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/nope", headers: [.authorization: "Bearer s3cret-token"]).status == .notFound)
        }
        #expect(BearerTokenComparison.equal("abc", "abc") && !BearerTokenComparison.equal("abc", "abd"))
        #expect(!BearerTokenComparison.equal("abc", "abcd") && !BearerTokenComparison.equal("", "a"))
    }

    @Test func withoutATokenTheListenerStaysOnLoopback() async throws {
        #expect(HTTPSettings(host: "127.0.0.1").refusal == nil)
        #expect(HTTPSettings(host: "::1").refusal == nil)
        #expect(HTTPSettings(host: "0.0.0.0").refusal?.contains("MAESTRO_API_TOKEN") == true)
        #expect(HTTPSettings(host: "0.0.0.0", token: "t").refusal == nil)
        #expect(HTTPSettings(port: 70_000).refusal == "port 70000 is not in 0...65535")
        let harness = try await HTTPHarness(settings: HTTPSettings(host: "0.0.0.0", port: 0))
        defer { harness.cleanup() }
        await #expect(throws: HTTPSurfaceError.self) { try await harness.surface.run() }
    }

    @Test func slowRequestsAndRequestsDuringShutdownGet503() async throws {
        let harness = try await HTTPHarness(settings: HTTPSettings(port: 0, requestTimeout: .milliseconds(200)))
        defer { harness.cleanup() }
        _ = try await harness.api.createProject(NewProject(name: "Maestro", key: "MAE"))
        _ = try await harness.api.createIssue(in: "MAE", NewIssue(title: "one"))
        try await harness.client { client in
            // The orchestrator's loops are not running: the verdict never comes within the deadline.
            let slow = try await client.call(.post, "/api/v1/issues/MAE-1/pause")
            #expect(slow.status == .serviceUnavailable && slow.code == "timeout")
            harness.surface.gate.close()
            let closing = try await client.call(.get, "/api/v1/state")
            #expect(closing.status == .serviceUnavailable && closing.code == "shutting_down")
            #expect(closing.headers[.retryAfter] == "5")
            #expect(try await client.call(.get, "/readyz").status == .serviceUnavailable)
        }
    }
}
