public import Foundation
public import Logging
public import MCP
public import NIOCore

/// An MCP `Transport` over one NIO channel with newline-delimited JSON: the daemon's side of a
/// socket connection, and a client's (the tests'). Whoever owns the channel reads it and hands each line
/// to ``deliver(_:)``; ``send(_:)`` writes a message and its newline.
public actor MCPLineTransport: Transport {
    public nonisolated let logger: Logger
    private let write: @Sendable (ByteBuffer) async throws -> Void
    private nonisolated let messages: AsyncThrowingStream<Data, any Error>
    private nonisolated let sink: AsyncThrowingStream<Data, any Error>.Continuation
    private let ledger: InFlightLedger?

    /// - Parameters:
    ///   - writer: the channel's outbound side.
    ///   - logger: the SDK logs through it.
    public init(writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger = Logger(label: "maestro.mcp")) {
        self.init(write: { try await writer.write($0) }, ledger: nil, logger: logger)
    }

    init(write: @escaping @Sendable (ByteBuffer) async throws -> Void, ledger: InFlightLedger?, logger: Logger) {
        self.write = write
        self.ledger = ledger
        self.logger = logger
        (messages, sink) = AsyncThrowingStream.makeStream(of: Data.self)
    }

    public func connect() async throws {}

    /// Ends the inbound stream: the SDK's message loop finishes.
    public func disconnect() async {
        sink.finish()
    }

    public func send(_ data: Data) async throws {
        try await write(.line(data))
        ledger?.sent(data)
    }

    public func receive() -> AsyncThrowingStream<Data, any Error> {
        messages
    }

    /// Hands one inbound line to the SDK.
    public nonisolated func deliver(_ line: Data) {
        ledger?.received(line)
        sink.yield(line)
    }

    /// The peer closed its side: no more lines.
    public nonisolated func finishInbound() {
        sink.finish()
    }
}
