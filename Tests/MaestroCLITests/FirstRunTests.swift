import Foundation
import Testing

/// What a new user meets: `maestro run` explains what is missing, and the shell completes the
/// commands.
struct FirstRunTests {
    @Test func runWithoutAWorkflowOrCodexSaysWhatToDoAndTouchesNothing() async throws {
        let sandbox = try BoardSandbox()
        let bare = try await sandbox.run(["run"], db: false)
        #expect(bare.status == 1)
        for hint in ["there is no WORKFLOW.md here", "maestro init", "maestro demo", "maestro doctor"] {
            #expect(bare.stderr.contains(hint), "\(hint): \(bare.stderr)")
        }
        try sandbox.write("WORKFLOW.md", "---\ntracker:\n  kind: kanban\ncodex:\n  command: maestro-test-no-codex app-server\n---\nDo it.\n")
        let noCodex = try await sandbox.run(["run"], db: false)
        #expect(noCodex.status == 1)
        for hint in ["`maestro-test-no-codex` (codex.command in WORKFLOW.md) was not found", "pip install openai-codex-cli-bin==0.163.0", "maestro demo"] {
            #expect(noCodex.stderr.contains(hint), "\(hint): \(noCodex.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.path(".maestro")), "no database was created")
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
