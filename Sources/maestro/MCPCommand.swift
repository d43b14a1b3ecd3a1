import ArgumentParser
import Foundation
import Runtime
import Transports

/// `maestro mcp`: what an MCP client launches. A stdio MCP server that relays to the live daemon
/// of the database; the daemon does the work.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve MCP on stdin/stdout for the live daemon of a database (what MCP clients launch).",
        discussion: """
            Relays newline-delimited JSON-RPC between this process's standard streams and the private MCP \
            endpoint of `maestro run` for the same database. Fails at once when no daemon runs. When the \
            daemon restarts, reconnects and replays the client's handshake; requests that only read are \
            sent again, any other unanswered request fails with a JSON-RPC error.
            """
    )

    @Option(help: "The database file. Default: $MAESTRO_DB, else the nearest .maestro/maestro.sqlite in this directory or a parent.")
    var db: String?

    @Option(help: "Seconds to wait for a restarted daemon before unanswered requests fail.")
    var reconnectTimeout: Int = 30

    func validate() throws {
        guard (0...3600).contains(reconnectTimeout) else { throw ValidationError("--reconnect-timeout must be 0 to 3600 seconds") }
    }

    func run() async throws {
        let databasePath = Store.location(explicit: db).path
        var bridge = MCPBridge(databasePath: databasePath)
        bridge.reconnectLimit = .seconds(reconnectTimeout)
        bridge.note = { printError($0) }
        do {
            try await bridge.run()
        } catch let failure as MCPBridge.Failure {
            printError(failure.description)
            throw ExitCode(1)
        }
    }
}
