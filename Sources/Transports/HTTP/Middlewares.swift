import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import Runtime
import Synchronization

/// Turns every failure into the error envelope with its status; bad input never yields a 5xx.
struct ErrorEnvelopeMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.failure(for: error).response
        }
    }

    static func failure(for error: any Error) -> HTTPFailure {
        switch error {
        case let failure as HTTPFailure: return failure
        case let error as APIError: return HTTPFailure(error)
        case let error as DecodingError: return decodingFailure(error)
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return HTTPFailure(.contentTooLarge, "payload_too_large", error.body ?? "the request body is too large")
            case .notFound: return HTTPFailure(.notFound, "not_found", error.body ?? "not found")
            default:
                let code = error.status.code < 500 ? "invalid_parameter" : "internal_error"
                return HTTPFailure(error.status, code, error.body ?? error.status.reasonPhrase)
            }
        default: return HTTPFailure(APIError.from(error))
        }
    }

    /// JSON that does not parse is malformed (400); JSON of the wrong shape is invalid (422).
    static func decodingFailure(_ error: DecodingError) -> HTTPFailure {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "the body" : "`\(keys)`"
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return HTTPFailure(.badRequest, "malformed_json", "the body is not valid JSON")
        case .keyNotFound(let key, let context):
            let owner = path(context)
            return HTTPFailure(.unprocessableContent, "invalid_value", "`\(key.stringValue)` is required\(owner == "the body" ? "" : " in \(owner)")")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return HTTPFailure(.unprocessableContent, "invalid_value", "\(path(context)) must be \(Self.describe(type))")
        case .dataCorrupted(let context):
            return HTTPFailure(.unprocessableContent, "invalid_value", "\(path(context)): \(context.debugDescription)")
        @unknown default:
            return HTTPFailure(.unprocessableContent, "invalid_value", "the body does not fit the request")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String].Type: "a list of strings"
        default: "of the documented type"
        }
    }
}

/// Every request carries the bearer token when one is set: `Authorization: Bearer <token>`, or
/// `?access_token=<token>` (a browser cannot set the header on a page load or a WebSocket).
/// Compared in constant time. The dashboard's page and assets are the exception: they hold no data.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if DashboardRoutes.isPublic(request.uri.path) { return try await next(request, context) }
        let header = request.headers[.authorization].flatMap { value -> String? in
            value.lowercased().hasPrefix("bearer ") ? String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces) : nil
        }
        let presented = header ?? request.uri.queryParameters.get("access_token")
        guard let presented else {
            throw HTTPFailure(
                .unauthorized, "unauthorized", "this server needs a bearer token: send `Authorization: Bearer <token>`",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        guard Self.constantTimeEqual(Array(presented.utf8), token) else {
            throw HTTPFailure(.unauthorized, "unauthorized", "the bearer token is wrong", headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        BearerTokenComparison.equal(lhs, rhs)
    }
}

/// Token comparison without an early exit: the time taken does not tell how much of a guess was
/// right.
public enum BearerTokenComparison {
    public static func equal(_ lhs: String, _ rhs: String) -> Bool { equal(Array(lhs.utf8), Array(rhs.utf8)) }

    static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }
}

/// Answers 503 when a request takes longer than the limit, and while the surface shuts down.
struct DeadlineMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let limit: Duration
    let gate: ShutdownGate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !gate.isClosed else {
            throw HTTPFailure(.serviceUnavailable, "shutting_down", "the daemon is shutting down", headers: [.retryAfter: "5"])
        }
        let response = try await withoutActuallyEscaping(next) { next -> Response? in
            // The handler runs in a child task that ends inside this scope, so the closure never
            // outlives the call; the router does not mark it Sendable.
            let forward = UncheckedSendable(next)
            return try await withTimeout(limit) { try await forward.value(request, context) }
        }
        guard let response else { throw HTTPFailure(.serviceUnavailable, "timeout", "the request took longer than \(limit)") }
        return response
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}

/// Closed once the surface starts shutting down; requests then get 503.
public final class ShutdownGate: Sendable {
    private let closed = Atomic(false)

    public init() {}

    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    public func close() { closed.store(true, ordering: .relaxed) }
}

/// `maestro_http_requests_total` and `maestro_http_request_duration_seconds` by route, method and
/// status, through swift-metrics.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let dimensions = [
            ("route", context.endpointPath ?? "unmatched"), ("method", request.method.rawValue), ("status", String(response.status.code)),
        ]
        Counter(label: "maestro_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "maestro_http_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
            .record(duration: ContinuousClock.now - started)
        return response
    }
}
