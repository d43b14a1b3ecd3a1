import Foundation
import MCP
import NIOCore
import NIOPosix
import Runtime
import Testing
import Transports

/// The SDK's `Client` over the endpoint's Unix socket, with a line transport like the server's.
enum MCPTestClient {
    /// Connects to `socket`, initializes, runs `body`, disconnects.
    static func with<T: Sendable>(
        _ socket: String, configure: @Sendable (Client) async -> Void = { _ in }, _ body: @Sendable (Client) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(unixDomainSocketPath: socket) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let transport = MCPLineTransport(writer: outbound)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    var lines = LineSplitter()
                    for try await buffer in inbound {
                        for line in lines.append(buffer) { transport.deliver(line) }
                    }
                    transport.finishInbound()
                    return nil
                }
                let client = Client(name: "maestro-swift-test", version: "1")
                await configure(client)
                let result: T
                do {
                    _ = try #require(try await withTimeout(.seconds(20)) { try await client.connect(transport: transport) })
                    result = try await body(client)
                } catch {
                    await client.disconnect()
                    group.cancelAll()
                    throw error
                }
                await client.disconnect()
                group.cancelAll()
                return result
            }
        }
    }
}

/// A tool's result: whether it is an error, and its envelope.
struct ToolReply: @unchecked Sendable {
    let isError: Bool
    let envelope: [String: Any]
    let text: String

    var ok: Bool { envelope["ok"] as? Bool == true }
    var data: Any? { envelope["data"] }
    var object: [String: Any] { data as? [String: Any] ?? [:] }
    var list: [[String: Any]] { data as? [[String: Any]] ?? [] }
    /// A page's items.
    var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }
    var code: String? { (envelope["error"] as? [String: Any])?["code"] as? String }
    var message: String { (envelope["error"] as? [String: Any])?["message"] as? String ?? "" }
    var meta: [String: Any] { envelope["meta"] as? [String: Any] ?? [:] }
}

extension Client {
    /// Calls `name` (bounded by a timeout) and parses its envelope.
    func tool(_ name: String, _ arguments: [String: Value] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> ToolReply {
        let reply = try await withTimeout(.seconds(30)) { try await self.callTool(name: name, arguments: arguments) }
        let (content, isError) = try #require(reply, "\(name) answered in time", sourceLocation: sourceLocation)
        guard content.count == 1, case .text(let text, _, _) = content[0] else {
            Issue.record("\(name): expected one text content, got \(content)", sourceLocation: sourceLocation)
            return ToolReply(isError: isError ?? false, envelope: [:], text: "")
        }
        let envelope = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(name): the envelope is a JSON object",
            sourceLocation: sourceLocation)
        return ToolReply(isError: isError ?? false, envelope: envelope, text: text)
    }

    /// Calls `name` and expects success.
    @discardableResult
    func succeed(_ name: String, _ arguments: [String: Value] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> ToolReply {
        let reply = try await tool(name, arguments, sourceLocation: sourceLocation)
        #expect(reply.ok && !reply.isError, "\(name) failed: \(reply.text)", sourceLocation: sourceLocation)
        return reply
    }

    /// Calls `name` and expects the error `code` with `isError`; returns the message.
    @discardableResult
    func fail(_ name: String, _ arguments: [String: Value] = [:], code: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> String
    {
        let reply = try await tool(name, arguments, sourceLocation: sourceLocation)
        #expect(!reply.ok && reply.isError, "\(name) should fail with \(code): \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.code == code, "\(name): expected \(code), got \(reply.text)", sourceLocation: sourceLocation)
        return reply.message
    }
}
