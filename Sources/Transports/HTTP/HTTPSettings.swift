import Foundation

/// How the HTTP listener listens and whom it lets in.
public struct HTTPSettings: Sendable, Hashable {
    /// The address to bind: loopback by default.
    public var host: String
    /// `0` picks a free port; the real one is reported once listening.
    public var port: Int
    /// Every request must carry `Authorization: Bearer <token>` (WebSocket upgrades may use
    /// `?access_token=` instead, since browsers cannot set the header). Required beyond loopback.
    public var token: String?
    /// Origins a WebSocket upgrade may come from besides the listener's own (`http://host:port`).
    public var allowedOrigins: [String]
    /// The largest request body accepted.
    public var bodyLimit: Int
    /// The longest a request may take before it is answered 503.
    public var requestTimeout: Duration
    /// How long a WebSocket client's unsent messages may pile up before it is closed as too slow.
    public var streamBuffer: Int
    /// How often a WebSocket stream sends a heartbeat.
    public var heartbeat: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 8787, token: String? = nil, allowedOrigins: [String] = [], bodyLimit: Int = 1 << 20,
        requestTimeout: Duration = .seconds(30), streamBuffer: Int = 4096, heartbeat: Duration = .seconds(15)
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.allowedOrigins = allowedOrigins
        self.bodyLimit = bodyLimit
        self.requestTimeout = requestTimeout
        self.streamBuffer = streamBuffer
        self.heartbeat = heartbeat
    }

    /// Whether `host` only reaches this machine.
    public var isLoopback: Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
    }

    /// Why the daemon must not start with these settings, if it must not.
    public var refusal: String? {
        if !(0...65535).contains(port) { return "port \(port) is not in 0...65535" }
        if !isLoopback, (token ?? "").isEmpty {
            return
                "listening on \(host) reaches beyond this machine: set server.auth_token to $VARIABLE or export MAESTRO_API_TOKEN, or listen on 127.0.0.1"
        }
        return nil
    }
}
