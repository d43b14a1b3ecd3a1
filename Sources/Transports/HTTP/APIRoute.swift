public import HTTPTypes
public import Hummingbird

/// One route of the HTTP surface: its method, its path pattern (`:name` captures a segment) and its
/// handler. The table is the one source for the router, for 405 answers (`Allow`), and for the test
/// that keeps `Specs/openapi.yaml` equal to what is served.
public struct APIRoute: Sendable {
    public typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response

    public var method: HTTPRequest.Method
    public var path: String
    public var handler: Handler

    public init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.handler = handler
    }

    /// `/api/v1/issues/{identifier}`: the OpenAPI spelling of the pattern.
    public var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
        }.joined(separator: "/")
    }

    /// Whether `path` (a request path) fits this route's pattern.
    func matches(_ requestPath: String) -> Bool {
        let pattern = path.split(separator: "/")
        let parts = requestPath.split(separator: "/")
        guard pattern.count == parts.count else { return false }
        return zip(pattern, parts).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

/// Answers 405 with `Allow` for a path served under other methods, and the envelope for any other
/// unknown route, instead of the router's bare 404.
struct RouteFallbackMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let routes: [APIRoute]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            return fallback(request)
        }
    }

    private func fallback(_ request: Request) -> Response {
        let path = request.uri.path
        // The most specific routes first, as the router picks them: fewer captures win.
        let candidates = routes.filter { $0.matches(path) }
        let fewest = candidates.map { $0.path.filter { $0 == ":" }.count }.min()
        let allowed = candidates.filter { $0.path.filter { $0 == ":" }.count == fewest }.map(\.method.rawValue)
        guard !allowed.isEmpty else {
            return HTTPFailure(.notFound, "not_found", "no route \(request.method.rawValue) \(path)").response
        }
        let allow = Set(allowed).sorted().joined(separator: ", ")
        return HTTPFailure(
            .methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed on \(path); use \(allow)",
            headers: [.allow: allow]
        ).response
    }
}
