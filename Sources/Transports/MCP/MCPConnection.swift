import Foundation
import Logging
import MCP
import NIOCore
import Runtime
import ServiceLifecycle
import Synchronization

/// One client connection to the endpoint: a fresh MCP `Server` (the SDK allows one `initialize` per
/// server), the connection's resource subscriptions, and an orderly end. The connection ends when
/// the client closes its side or the daemon shuts down; either way every request already received
/// is answered (within ``drainLimit``) before the socket closes, and a request that arrives after a
/// shutdown began is left unanswered for the client's bridge to retry or fail.
struct MCPConnection: Sendable {
    let context: ToolContext
    let logger: Logger
    var drainLimit: Duration = .seconds(5)

    func serve(_ connection: AcceptedConnection) async {
        let ledger = InFlightLedger()
        let transport = MCPLineTransport(write: { try await connection.write($0) }, ledger: ledger, logger: logger)
        let subscriptions = SubscriptionSet()
        let server = await makeServer(subscriptions: subscriptions)
        do {
            try await server.start(transport: transport)
        } catch {
            logger.debug("mcp connection did not start", metadata: ["error": "\(error)"])
            await connection.close()
            return
        }
        let closing = Flag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var lines = LineSplitter()
                for await buffer in connection.inbound where !closing.isSet {
                    for line in lines.append(buffer) { transport.deliver(line) }
                }
            }
            group.addTask {
                try? await gracefulShutdown()
            }
            group.addTask {
                let follower = SubscriptionFollower(api: context.api, subscriptions: subscriptions) { uri in
                    try await server.notify(ResourceUpdatedNotification.message(.init(uri: uri)))
                }
                await follower.run()
            }
            // The client closed, the daemon is shutting down, or the connection broke.
            await group.next()
            closing.set()
            await ledger.drained(within: drainLimit)
            group.cancelAll()
        }
        transport.finishInbound()
        await server.waitUntilCompleted()
        await server.stop()
        await connection.close()
    }

    static let instructions = """
        maestro drives coding agents through an issue lifecycle. Every tool returns one JSON envelope: \
        {"ok": true, "data": …, "meta": {"store_id", "change_seq"}} or {"ok": false, "error": {"code", "message"}, "meta": …}. \
        Issues are named by identifier (MAE-12), projects by key or name. Board edits write tracker facts; the daemon decides \
        the lifecycle. Subscribe to maestro://issues/{identifier} to hear of an issue's transitions.
        """

    static let tools = ToolCatalog.all.map(\.tool)

    private func makeServer(subscriptions: SubscriptionSet) async -> Server {
        let server = Server(
            name: "maestro", version: context.identity.version, title: "maestro", instructions: Self.instructions,
            capabilities: .init(resources: .init(subscribe: true, listChanged: false), tools: .init(listChanged: false)))
        let context = context
        let api = context.api
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: Self.tools) }
        await server.withMethodHandler(CallTool.self) { params in
            await ToolCatalog.call(params.name, arguments: params.arguments, context: context).result
        }
        await server.withMethodHandler(ListResources.self) { _ in ListResources.Result(resources: ResourceCatalog.resources) }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: ResourceCatalog.templates)
        }
        await server.withMethodHandler(ReadResource.self) { params in try await ResourceCatalog.read(params.uri, api: api) }
        await server.withMethodHandler(ResourceSubscribe.self) { params in
            let target = try await ResourceCatalog.resolve(params.uri, api: api)
            let position: Int64
            do {
                position = try await api.lastSeq()
            } catch {
                throw ResourceCatalog.error(error, uri: params.uri)
            }
            subscriptions.add(params.uri, target: target, position: position)
            return Empty()
        }
        await server.withMethodHandler(ResourceUnsubscribe.self) { params in
            subscriptions.remove(params.uri)
            return Empty()
        }
        return server
    }
}

/// A flag set once, read from other tasks.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .acquiring) }

    func set() { value.store(true, ordering: .releasing) }
}
