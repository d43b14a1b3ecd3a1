import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Transports

/// The dashboard is served from the binary: `GET /` and `GET /assets/{name}` answer the files of
/// `Dashboard/` byte for byte (so the build plugin embedded the current ones), with their content
/// types and validators, and without the bearer token the API needs.
@Suite struct DashboardRouteTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Dashboard")

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func disk(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    static let types = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml",
    ]

    @Test func everyFileIsServedAsItIsOnDiskWithItsTypeAndValidator() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        let files = try Self.files()
        #expect(files.contains("index.html") && files.contains("app.js") && files.contains("style.css"))
        try await harness.client { client in
            for name in files {
                let reply = try await client.call(.get, "/assets/\(name)")
                let disk = try Self.disk(name)
                #expect(reply.status == .ok, "\(name)")
                #expect(reply.text == disk, "\(name) differs from Dashboard/\(name): the plugin did not embed it")
                #expect(reply.headers[.contentType] == Self.types[String(name.split(separator: ".").last ?? "")], "\(name)")
                #expect(reply.headers[.eTag]?.hasPrefix("\"") == true && reply.headers[.cacheControl] == "no-cache", "\(name)")
            }
            let page = try await client.call(.get, "/")
            let index = try Self.disk("index.html")
            #expect(page.status == .ok && page.text == index)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'") && !policy.contains("unsafe"))
        }
    }

    @Test func aCurrentCopyIsAnswered304AndAnOldOneGetsTheFile() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        try await harness.client { client in
            let first = try await client.call(.get, "/assets/app.js")
            let tag = try #require(first.headers[.eTag])
            for header in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
                let again = try await client.call(.get, "/assets/app.js", headers: [.ifNoneMatch: header])
                #expect(again.status == .notModified && again.text.isEmpty, "\(header)")
                #expect(again.headers[.eTag] == tag)
            }
            let stale = try await client.call(.get, "/assets/app.js", headers: [.ifNoneMatch: "\"0000000000000000\""])
            #expect(stale.status == .ok && stale.text == first.text)
            let page = try await client.call(.get, "/")
            #expect(page.headers[.eTag] != tag, "each file has its own tag")
        }
    }

    /// The page loads modules by URL; a renamed or missing module would only fail in a browser.
    @Test func everyFileThePageAndItsModulesReferToExists() throws {
        let files = Set(try Self.files())
        let page = try Self.disk("index.html")
        let assets = page.matches(of: /(?:src|href)="\/assets\/([^"]+)"/).map { String($0.output.1) }
        #expect(assets.count > 5)
        for name in assets { #expect(files.contains(name), "index.html refers to /assets/\(name)") }
        for module in files where module.hasSuffix(".js") {
            let text = try Self.disk(module)
            for match in text.matches(of: /from '\.\/([^']+)'/) {
                #expect(files.contains(String(match.output.1)), "\(module) imports ./\(match.output.1)")
            }
            #expect(assets.contains(module), "index.html preloads \(module)")
        }
    }

    @Test func anUnknownFileIsTheEnvelopes404() async throws {
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        try await harness.client { client in
            let missing = try await client.call(.get, "/assets/missing.js")
            #expect(missing.status == .notFound && missing.code == "not_found")
            let nested = try await client.call(.get, "/assets/a/b.js")
            #expect(nested.status == .notFound && nested.code == "not_found")
            let wrongMethod = try await client.call(.post, "/")
            #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.headers[.allow] == "GET")
        }
    }

    @Test func thePageNeedsNoTokenButTheAPIStillDoes() async throws {
        let harness = try await HTTPHarness(settings: HTTPSettings(port: 0, token: "s3cret"))
        defer { harness.cleanup() }
        try await harness.client { client in
            let page = try await client.call(.get, "/")
            let script = try await client.call(.get, "/assets/app.js")
            let refused = try await client.call(.get, "/api/v1/projects")
            let allowed = try await client.call(.get, "/api/v1/projects", headers: [.authorization: "Bearer s3cret"])
            #expect(page.status == .ok && script.status == .ok)
            #expect(refused.status == .unauthorized && allowed.status == .ok)
        }
    }
}
