import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /` (the dashboard's page) and `GET /assets/{name}` (its scripts and styles), from the
/// files embedded in the binary. Answers carry an `ETag` and `Cache-Control: no-cache`: a browser
/// revalidates each load and gets `304 Not Modified` until the binary changes, so a new maestro
/// never runs with an old script.
struct DashboardRoutes: Sendable {
    let assets: DashboardAssets

    init(assets: DashboardAssets = .shared) {
        self.assets = assets
    }

    /// The page and its assets carry no data, so they are served without the bearer token; the
    /// page then asks for it and sends it with every API call.
    static func isPublic(_ path: String) -> Bool { path == "/" || path.hasPrefix("/assets/") }

    var routes: [APIRoute] {
        [
            APIRoute(.get, "/") { request, _ in try serve("index.html", request) },
            APIRoute(.get, "/assets/:name") { request, context in try serve(try request.capture("name", context), request) },
        ]
    }

    /// Loose enough for the page's own modules, its WebSocket and the inline lifecycle diagram;
    /// nothing from elsewhere, no inline script or style.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func serve(_ name: String, _ request: Request) throws -> Response {
        guard let asset = assets[name] else { throw HTTPFailure(.notFound, "not_found", "no dashboard file '\(name)'") }
        var headers: HTTPFields = [.eTag: asset.etag, .cacheControl: "no-cache", .init("X-Content-Type-Options")!: "nosniff"]
        if Self.matches(request.headers[values: .ifNoneMatch], asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        if asset.contentType.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
            headers[.init("Referrer-Policy")!] = "no-referrer"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.bytes))
    }

    /// Whether an `If-None-Match` list names `etag` (weak comparison, as RFC 9110 asks for it).
    static func matches(_ values: [String], _ etag: String) -> Bool {
        values.flatMap { $0.split(separator: ",") }.contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "*" || tag == etag
        }
    }
}
