public import Hummingbird
public import HummingbirdWebSocket

/// The request context of maestro's HTTP surface: Hummingbird's core storage and a WebSocket handler
/// slot for the event stream's upgrade.
public struct APIRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>

    public init(source: Source) {
        coreContext = .init(source: source)
        webSocket = .init()
    }
}
