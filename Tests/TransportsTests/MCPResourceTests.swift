import Foundation
import MCP
import Runtime
import StateMachine
import Testing
import Transports

/// The resources over the real socket: listing, reading, and subscriptions that follow committed
/// transitions.
@Suite(.serialized) struct MCPResourceTests {
    @Test func resourcesAreListedAndRead() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "waiting", "state": "backlog"])
                let (resources, _) = try await client.listResources()
                #expect(resources.map(\.uri) == ["maestro://board", "maestro://graph", "maestro://workflow"])
                let (templates, _) = try await client.listResourceTemplates()
                #expect(templates.map(\.uriTemplate) == ["maestro://issues/{identifier}"])

                let board = try await client.readResource(uri: "maestro://board")
                #expect(board.count == 1 && board.first?.mimeType == "application/json")
                let overview = try JSONSerialization.jsonObject(with: Data((board.first?.text ?? "").utf8)) as? [String: Any]
                #expect((overview?["by_lifecycle_state"] as? [String: Int])?["released"] == 1)

                let graph = try await client.readResource(uri: "maestro://graph")
                #expect(graph.map(\.mimeType) == ["text/vnd.mermaid", "image/svg+xml"])
                #expect(graph.first?.text?.contains("stateDiagram-v2") == true && graph.last?.text?.contains("<svg") == true)

                let workflow = try await client.readResource(uri: "maestro://workflow")
                #expect(workflow.first?.text?.contains("\"revision\":1") == true)

                let issue = try await client.readResource(uri: "maestro://issues/kan-1")
                let detail = try JSONSerialization.jsonObject(with: Data((issue.first?.text ?? "").utf8)) as? [String: Any]
                #expect((detail?["issue"] as? [String: Any])?["identifier"] as? String == "KAN-1")
                #expect(detail?["transitions"] is [Any] && detail?["allowed_commands"] is [Any])

                await #expect { try await client.readResource(uri: "maestro://issues/KAN-9") } throws: { error in
                    (error as? MCPError)?.code == -32002
                }
                await #expect { try await client.readResource(uri: "maestro://nothing") } throws: { error in
                    (error as? MCPError)?.code == -32602
                }
                await #expect { try await client.subscribeToResource(uri: "maestro://issues/KAN-9") } throws: { error in
                    (error as? MCPError)?.code == -32002
                }
            }
        }
    }

    /// A subscriber hears of each committed transition of its issue, and of nothing about another
    /// issue: the other one runs its whole course first, so a wrong notification would arrive first.
    @Test func aSubscriptionToAnIssueFollowsItsTransitions() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let (updates, sink) = AsyncStream.makeStream(of: String.self)
        try await harness.serving { entry in
            try await MCPTestClient.with(
                entry.socket,
                configure: { client in
                    await client.onNotification(ResourceUpdatedNotification.self) { message in sink.yield(message.params.uri) }
                }
            ) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "watched", "state": "backlog"])
                try await client.subscribeToResource(uri: "maestro://issues/KAN-1")
                try await client.succeed("create_issue", ["project": "KAN", "title": "other"])
                try await harness.eventually("the other issue closes") { try await harness.api.issue("KAN-2").lifecycle.state == .closed }
                try await client.succeed("move_issue", ["identifier": "KAN-1", "state": "todo"])

                // Each notification is followed by a read, until the issue is closed.
                var seen: [String] = []
                var states: [String] = []
                let closed = try await withTimeout(.seconds(30)) { () -> ([String], [String]) in
                    var seen: [String] = []
                    var states: [String] = []
                    for await uri in updates {
                        seen.append(uri)
                        let contents = try await client.readResource(uri: uri)
                        let detail = try JSONSerialization.jsonObject(with: Data((contents.first?.text ?? "").utf8)) as? [String: Any]
                        let state = ((detail?["issue"] as? [String: Any])?["lifecycle"] as? [String: Any])?["state"] as? String ?? "?"
                        if states.last != state { states.append(state) }
                        if state == "closed" { break }
                    }
                    return (seen, states)
                }
                (seen, states) = try #require(closed, "the subscriber saw the issue close")
                #expect(Set(seen) == ["maestro://issues/KAN-1"], "only the subscribed issue: \(seen)")
                #expect(states.last == "closed" && states.count >= 2, "\(states)")
                #expect(!seen.isEmpty)

            }
        }
    }

    @Test func anUnsubscribedIssueIsNoLongerAnnounced() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let (updates, sink) = AsyncStream.makeStream(of: String.self)
        try await harness.serving { entry in
            try await MCPTestClient.with(
                entry.socket,
                configure: { client in
                    await client.onNotification(ResourceUpdatedNotification.self) { message in sink.yield(message.params.uri) }
                }
            ) { client in
                try await client.succeed("create_issue", ["project": "KAN", "title": "idle", "state": "backlog"])
                try await client.subscribeToResource(uri: "maestro://issues/KAN-1")
                let parameters = try JSONDecoder().decode(ResourceUnsubscribe.Parameters.self, from: Data(#"{"uri":"maestro://issues/KAN-1"}"#.utf8))
                _ = try await withTimeout(.seconds(10)) { try await client.send(ResourceUnsubscribe.request(parameters)).value }
                try await client.subscribeToResource(uri: "maestro://board")
                try await client.succeed("add_comment", ["identifier": "KAN-1", "body": "after"])
                let next = try await withTimeout(.seconds(10)) { await updates.first { _ in true } }
                #expect(next == "maestro://board", "the comment reaches the board subscription only")
            }
        }
    }
}
