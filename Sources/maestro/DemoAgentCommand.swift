import ArgumentParser
import DemoAgent
import Foundation

/// `maestro demo-agent`: the scripted agent `maestro demo` configures as `codex.command`.
struct DemoAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-agent",
        abstract: "A scripted stand-in for `codex app-server` (a demo, not a model), speaking its protocol over stdio.",
        shouldDisplay: false
    )

    @Option(help: "Milliseconds per step of the script.")
    var beatMs: Int = 400

    func run() async throws {
        let server = DemoAgentServer(beat: .milliseconds(max(0, beatMs))) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        await server.serve(StandardInputLines.stream())
    }
}
