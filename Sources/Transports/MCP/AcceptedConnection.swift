import NIOCore

/// A connection the endpoint accepted: the channel, to write and close, and its inbound bytes.
///
/// Not an `NIOAsyncChannel`: the accept stream drops a connection accepted while the listener
/// closes, and a dropped `NIOAsyncChannel` traps ("Deinited NIOAsyncWriter without calling
/// finish()"), which killed the daemon in its shutdown when a bridge reconnected at that moment.
/// A plain handler installed when the connection is accepted loses no read and can be dropped.
/// Reads are not back-pressured: the peer is the same OS user, and MCP messages are small.
struct AcceptedConnection: Sendable {
    let channel: any Channel
    /// Ends at the peer's end of input, an error, or the channel's close.
    let inbound: AsyncStream<ByteBuffer>

    /// Installs the handler on a new child channel; call it from the channel initializer, on the
    /// channel's event loop.
    static func accept(_ channel: any Channel) throws -> AcceptedConnection {
        let (inbound, sink) = AsyncStream.makeStream(of: ByteBuffer.self)
        try channel.pipeline.syncOperations.addHandler(InboundRelay(sink: sink))
        return AcceptedConnection(channel: channel, inbound: inbound)
    }

    /// Writes `buffer` and waits until it is written (or fails).
    func write(_ buffer: ByteBuffer) async throws {
        try await channel.writeAndFlush(buffer).get()
    }

    /// Closes the channel; a closed one stays closed.
    func close() async {
        try? await channel.close().get()
    }
}

/// Yields every inbound buffer to a stream and finishes it when input ends.
private final class InboundRelay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let sink: AsyncStream<ByteBuffer>.Continuation

    init(sink: AsyncStream<ByteBuffer>.Continuation) {
        self.sink = sink
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        sink.yield(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { sink.finish() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        sink.finish()
        context.close(promise: nil)
    }
}
