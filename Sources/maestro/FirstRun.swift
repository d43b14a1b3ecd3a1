import Adapters
import ArgumentParser
import Foundation
import WorkflowParser

/// `maestro run` on a machine or repository that is not ready yet: one screen that says what is
/// missing and how to get it, instead of a daemon that fails on its first issue. Without a
/// workflow there is nothing to run (exit 1); without Codex the daemon starts and its agent check
/// holds every dispatch until the command works, so installing Codex needs no restart.
enum FirstRun {
    static func check(workflowPath path: String) async throws {
        guard FileManager.default.fileExists(atPath: path) else {
            printError(
                """
                maestro run: there is no \(path) here (\(FileManager.default.currentDirectoryPath)).

                maestro takes its policy from WORKFLOW.md: the tracker, where workspaces go, the Codex
                command, and the prompts for each phase.

                  maestro init      write a commented WORKFLOW.md for this repository
                  maestro demo      watch the whole loop first, on a sample board (no Codex needed)
                  maestro doctor    check everything a run needs
                """)
            throw ExitCode(1)
        }
        guard let workflow = try? WorkflowLoader.load(path: path) else { return }  // the daemon reports the diagnostics
        let diagnosis = await CodexDiagnosis.examine(workflow.config.codex, environment: ProcessInfo.processInfo.environment)
        guard diagnosis.resolved == nil else { return }
        if diagnosis.lookupTimedOut {
            printError("maestro run: \(CodexCheck.hangingShell(diagnosis.program)).\n\n\(CodexCheck.hangingShellFix).\n")
            return
        }
        printError(
            """
            maestro run: `\(diagnosis.program)` (codex.command in \(path)) was not found.

            maestro runs one Codex app-server session per issue. Install the Codex CLI
            (\(DoctorCommand.testedCodexVersion) is the version maestro is tested with):

              pip install openai-codex-cli-bin==\(DoctorCommand.testedCodexVersion)    or    npm install -g @openai/codex

            then sign in with `codex login` (or set OPENAI_API_KEY). If it is installed somewhere
            `bash -lc` does not look, give codex.command its full path.

              maestro demo      watch the loop now, with the built-in demo agent
              maestro doctor    check everything a run needs

            maestro runs on meanwhile and dispatches nothing until the command works: it checks
            again at every poll and whenever WORKFLOW.md changes. Ctrl-C stops it.

            """)
    }
}
