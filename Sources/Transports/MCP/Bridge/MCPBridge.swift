public import Foundation
import Glibc
import NIOCore
import NIOPosix
import Runtime

/// `maestro mcp`: the stdio MCP server an MCP client launches, which is a bridge to the live
/// daemon of one database. It finds the daemon's endpoint (``MCPDiscovery``), then relays lines
/// stdin → socket → stdout; ``BridgeRelay`` decides what survives a daemon restart.
///
/// ```swift
/// try await MCPBridge(databasePath: ".maestro/maestro.sqlite").run()
/// ```
public struct MCPBridge: Sendable {
    /// The database as the user named it (messages show it so).
    public let databasePath: String
    public var environment: [String: String]
    /// How long a restarted daemon may take to come back before unanswered requests fail.
    public var reconnectLimit: Duration = .seconds(30)
    /// How often the endpoint is looked for while waiting.
    public var reconnectInterval: Duration = .milliseconds(100)
    public var input: Int32 = STDIN_FILENO
    public var output: Int32 = STDOUT_FILENO
    /// Notes for a person (standard error): reconnections, a daemon that did not come back.
    public var note: @Sendable (String) -> Void = { _ in }

    public init(databasePath: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.databasePath = databasePath
        self.environment = environment
    }

    /// Why the bridge did not start.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case noLiveDaemon(String)

        public var description: String {
            switch self {
            case .noLiveDaemon(let database): "no live maestro daemon for \(database); start 'maestro run --db \(database)' first"
            }
        }
    }

    private enum Event: Sendable {
        case clientLine(Data)
        case clientClosed
        case connected(Int, NIOAsyncChannelOutboundWriter<ByteBuffer>)
        case daemonLine(Int, Data)
        case daemonClosed(Int)
        case gaveUp(Int)
    }

    /// Relays until the client closes its input and the daemon has answered, or the client is gone.
    /// - Throws: ``Failure/noLiveDaemon(_:)`` before reading anything when no daemon serves the database.
    public func run() async throws {
        guard let entry = MCPDiscovery.liveDaemon(databasePath: databasePath, environment: environment),
            let storeId = MCPDiscovery.storeId(databasePath: databasePath), storeId == entry.storeId,
            let first = try? await Self.connect(entry.socket)
        else { throw Failure.noLiveDaemon(databasePath) }
        // A client that goes away must end the bridge with EPIPE, not kill it with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let stdout = OutputWriter(descriptor: output)
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let reader = InputReader(descriptor: input)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await reader.read { sink.yield(.clientLine($0)) }
                sink.yield(.clientClosed)
            }
            group.addTask { await Self.relay(first, generation: 1, into: sink) }
            var relay = BridgeRelay()
            var writer: NIOAsyncChannelOutboundWriter<ByteBuffer>?
            var generation = 1
            var attaching = true
            var clientClosed = false
            var finished = false
            /// Once the client's input ended and everything it sent went out, the daemon hears the
            /// end too (a half-close): it answers what it received, then closes.
            func finishIfClientDone() {
                guard clientClosed, relay.isForwarding, !finished else { return }
                writer?.finish()
                finished = true
            }
            func perform(_ outputs: [BridgeRelay.Output]) async -> Bool {
                for output in outputs {
                    switch output {
                    case .daemon(let line): try? await writer?.write(.line(line))
                    case .client(let line):
                        do { try stdout.write(line: line) } catch { return false }
                    }
                }
                return true
            }
            func attach(limit: Duration) {
                generation += 1
                attaching = true
                group.addTask { [generation] in await attachLoop(generation: generation, limit: limit, storeId: storeId, into: sink) }
            }
            loop: for await event in events {
                switch event {
                case .clientLine(let line):
                    guard await perform(relay.fromClient(line)) else { break loop }
                    // After giving up, each new message looks for a daemon once more.
                    if !relay.connected, !attaching { attach(limit: .zero) }
                case .clientClosed:
                    clientClosed = true
                    if !relay.connected, !attaching || relay.isIdle { break loop }
                    finishIfClientDone()
                case .connected(let number, let outbound):
                    guard number == generation else { continue }
                    writer = outbound
                    attaching = false
                    if number > 1 { note("maestro mcp: reconnected to the daemon of \(databasePath)") }
                    guard await perform(relay.reconnected()) else { break loop }
                    finishIfClientDone()
                case .daemonLine(let number, let line):
                    guard number == generation else { continue }
                    guard await perform(relay.fromDaemon(line)) else { break loop }
                    finishIfClientDone()
                case .daemonClosed(let number):
                    guard number == generation else { continue }
                    writer = nil
                    finished = false
                    relay.disconnected()
                    if clientClosed, relay.isIdle { break loop }
                    note("maestro mcp: the daemon closed the connection; waiting up to \(reconnectLimit) for it to come back")
                    attach(limit: reconnectLimit)
                case .gaveUp(let number):
                    guard number == generation else { continue }
                    attaching = false
                    let failure = Failure.noLiveDaemon(databasePath).description
                    note("maestro mcp: \(failure)")
                    guard await perform(relay.gaveUp(failure)), !clientClosed else { break loop }
                }
            }
            group.cancelAll()
        }
    }

    /// Looks for the daemon until one accepts or `limit` passes (at least one attempt), then
    /// relays that connection.
    private func attachLoop(generation: Int, limit: Duration, storeId: String, into sink: AsyncStream<Event>.Continuation) async {
        let deadline = ContinuousClock.now + limit
        while !Task.isCancelled {
            if let entry = MCPDiscovery.liveDaemon(databasePath: databasePath, storeId: storeId, environment: environment),
                let channel = try? await Self.connect(entry.socket)
            {
                await Self.relay(channel, generation: generation, into: sink)
                return
            }
            guard ContinuousClock.now < deadline else { break }
            try? await Task.sleep(for: reconnectInterval)
        }
        sink.yield(.gaveUp(generation))
    }

    private static func connect(_ socket: String) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .connect(unixDomainSocketPath: socket) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
    }

    /// Reports the connection's lines until the daemon closes it.
    private static func relay(
        _ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, generation: Int, into sink: AsyncStream<Event>.Continuation
    ) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                sink.yield(.connected(generation, outbound))
                var lines = LineSplitter()
                for try await buffer in inbound {
                    for line in lines.append(buffer) { sink.yield(.daemonLine(generation, line)) }
                }
            }
        } catch {
            // A reset connection ends like a closed one.
        }
        sink.yield(.daemonClosed(generation))
    }
}
