import Foundation
import Testing

/// What a new user meets: `maestro run` explains what is missing, and the shell completes the
/// commands.
struct FirstRunTests {
    @Test func runWithoutAWorkflowSaysWhatToDoAndTouchesNothing() async throws {
        let sandbox = try BoardSandbox()
        let bare = try await sandbox.run(["run"], db: false)
        #expect(bare.status == 1)
        for hint in ["there is no WORKFLOW.md here", "maestro init", "maestro demo", "maestro doctor"] {
            #expect(bare.stderr.contains(hint), "\(hint): \(bare.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.path(".maestro")), "no database was created")
    }

    /// Without Codex, one screen says how to get it; the daemon runs on, dispatching nothing.
    @Test func runWithoutCodexSaysHowToGetItAndDispatchesNothing() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", "---\ntracker:\n  kind: kanban\ncodex:\n  command: maestro-test-no-codex app-server\n---\nDo it.\n")
        #expect(try await sandbox.run(["project", "create", "Ops", "--key", "OPS"], db: false).status == 0)
        #expect(try await sandbox.run(["issue", "create", "--project", "OPS", "--title", "waits"], db: false).status == 0)
        let output = sandbox.directory.appendingPathComponent("run.err")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let daemon = Process()
        daemon.executableURL = CLI.executable
        daemon.arguments = ["run", "--port", "0"]
        daemon.currentDirectoryURL = sandbox.directory
        daemon.environment = CLI.environment()
        daemon.standardError = try FileHandle(forWritingTo: output)
        daemon.standardOutput = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate() } }
        var log = ""
        for _ in 0..<300 where !log.contains("codex.command does not work") {
            try await Task.sleep(for: .milliseconds(100))
            log = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }
        for hint in [
            "`maestro-test-no-codex` (codex.command in WORKFLOW.md) was not found", "pip install openai-codex-cli-bin==0.163.0", "maestro demo",
            "dispatches nothing until the command works", "codex.command does not work",
        ] {
            #expect(log.contains(hint), "\(hint): \(log)")
        }
        daemon.interrupt()
        await daemon.exited()
        #expect(daemon.terminationStatus == 0)
        let show = try await sandbox.run(["issue", "show", "OPS-1", "--json"], db: false)
        let detail = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        let lifecycle = (detail?["issue"] as? [String: Any])?["lifecycle"] as? [String: Any]
        #expect(lifecycle?["state"] as? String == "queued", "\(show.stdout)")
        #expect((detail?["sessions"] as? [Any])?.isEmpty == true, "no agent was started: \(show.stdout)")
    }

    /// The scripts swift-argument-parser generates, loaded by each shell and asked to complete.
    @Test func completionsCompleteTheCommandsInBashAndFishAndParseInZsh() async throws {
        let sandbox = try BoardSandbox()
        let commands = ["validate", "graph", "run", "demo", "init", "doctor", "status", "logs", "project", "issue", "completions"]
        for shell in ["bash", "zsh", "fish"] {
            let script = try await sandbox.run(["completions", shell], db: false)
            #expect(script.status == 0)
            try sandbox.write("maestro.\(shell)", script.stdout)
        }
        let bash = try await CLI.execute(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", "source maestro.bash; COMP_WORDS=(maestro ''); COMP_CWORD=1; COMP_LINE='maestro '; COMP_POINT=8; _maestro maestro '' maestro; printf '%s\\n' \"${COMPREPLY[@]}\""],
            in: sandbox.directory, environment: nil)
        let offered = Set(bash.stdout.split(separator: "\n").map(String.init))
        #expect(commands.allSatisfy(offered.contains), "bash offered \(offered.sorted())")
        #expect(!offered.contains("demo-agent"), "the demo agent is not a user command")
        let formats = try await CLI.execute(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", "source maestro.bash; COMP_WORDS=(maestro graph --format ''); COMP_CWORD=3; COMP_LINE='maestro graph --format '; COMP_POINT=23; _maestro maestro '' --format; printf '%s\\n' \"${COMPREPLY[@]}\""],
            in: sandbox.directory, environment: nil)
        #expect(formats.stdout.contains("mermaid") && formats.stdout.contains("dot"), "\(formats.stdout)")
        let fish = try await CLI.execute(
            URL(fileURLWithPath: "/usr/bin/fish"), ["-c", "source maestro.fish; complete --do-complete 'maestro '"], in: sandbox.directory,
            environment: nil)
        let fishOffered = Set(fish.stdout.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") })
        #expect(commands.allSatisfy(fishOffered.contains), "fish offered \(fishOffered.sorted())")
        let zsh = try await CLI.execute(URL(fileURLWithPath: "/usr/bin/zsh"), ["-n", "maestro.zsh"], in: sandbox.directory, environment: nil)
        #expect(zsh.status == 0, "\(zsh.stderr)")
        let unknown = try await sandbox.run(["completions", "tcsh"], db: false)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown shell 'tcsh'"))
    }
}
