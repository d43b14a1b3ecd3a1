import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdWebSocket
public import Logging
import NIOCore
public import Runtime
public import ServiceLifecycle

/// The daemon's HTTP surface as a service of its `ServiceGroup`: the JSON API under `/api/v1`, the
/// WebSocket stream, health, metrics and the dashboard, on 127.0.0.1:8787 by default.
///
/// ```swift
/// let surface = HTTPSurface(api: api, settings: HTTPSettings(port: 0), metrics: MaestroMetrics()) { url in print(url) }
/// let daemon = Daemon(orchestrator: orchestrator, services: [surface], logger: logger)
/// ```
public struct HTTPSurface: Service {
    public let api: RuntimeAPI
    public let settings: HTTPSettings
    public let metrics: MaestroMetrics
    public let gate = ShutdownGate()
    let logger: Logger
    let runtime = RuntimeFeed()
    /// The logs' newest entries, shared by the streams: a quarter of a stream's buffer, so a stream
    /// that takes the whole window at once still has room for the rest.
    var tail: LogTail
    /// Called with the base URL (`http://127.0.0.1:8787`) once the listener is bound.
    let onListening: @Sendable (String) async -> Void

    public init(
        api: RuntimeAPI, settings: HTTPSettings, metrics: MaestroMetrics, logger: Logger = Logger(label: "maestro.http"),
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.api = api
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.onListening = onListening
        tail = LogTail(capacity: settings.streamBuffer / 4)
    }

    /// Every route served, for the OpenAPI agreement test and 405 answers.
    public var routes: [APIRoute] {
        APIHandlers(api: api, settings: settings).routes + ObservabilityRoutes(api: api, metrics: metrics, gate: gate).routes
            + DashboardRoutes().routes
    }

    /// The router of plain HTTP requests.
    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(middleware: RequestMetricsMiddleware(factory: metrics.factory))
        router.add(middleware: RouteFallbackMiddleware(routes: routes + [webSocketRoute]))
        if let token = settings.token, !token.isEmpty { router.add(middleware: BearerTokenMiddleware(token: Array(token.utf8))) }
        router.add(middleware: DeadlineMiddleware(limit: settings.requestTimeout, gate: gate))
        for route in routes + [webSocketRoute] {
            router.on(RouterPath(route.path), method: route.method, use: route.handler)
        }
        return router
    }

    /// `GET /api/v1/ws` without an upgrade: a clear refusal instead of an empty 200.
    private var webSocketRoute: APIRoute {
        APIRoute(.get, "/api/v1/ws") { _, _ in
            throw HTTPFailure(.badRequest, "invalid_parameter", "/api/v1/ws is a WebSocket: connect with an upgrade request")
        }
    }

    /// The router that decides WebSocket upgrades.
    func webSocketRouter() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let stream = EventStream(api: api, settings: settings, runtime: runtime, tail: tail)
        // Refusals (origin, token, `after`) close the socket with a reason: see EventStream.
        router.ws("/api/v1/ws") { inbound, outbound, context in
            try await stream.serve(inbound, outbound, context.request)
        }
        return router
    }

    /// The application as it is served (tests drive it with HummingbirdTesting).
    public func application() -> some ApplicationProtocol {
        let onListening = onListening
        let host = settings.host
        return Application(
            router: router(), server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter()),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "maestro"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            }, logger: logger)
    }

    public func run() async throws {
        if let refusal = settings.refusal { throw HTTPSurfaceError(message: refusal) }
        let application = application()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.run(api) }
            group.addTask { await tail.run(api) }
            group.addTask { try await metrics.follow(api) }
            do {
                try await withGracefulShutdownHandler {
                    try await application.run()
                } onGracefulShutdown: {
                    gate.close()
                }
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                group.cancelAll()
                throw HTTPSurfaceError(
                    message: "\(settings.host):\(settings.port) is in use by another program; pick another with --port or server.port")
            }
            group.cancelAll()
        }
    }
}

/// Why the HTTP surface cannot serve.
public struct HTTPSurfaceError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
