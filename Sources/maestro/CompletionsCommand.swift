import ArgumentParser

/// `maestro completions <shell>`: the completion script swift-argument-parser generates.
struct CompletionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            bash: maestro completions bash > ~/.local/share/bash-completion/completions/maestro
            zsh:  maestro completions zsh > "${fpath[1]}/_maestro"
            fish: maestro completions fish > ~/.config/fish/completions/maestro.fish
            """
    )

    @Argument(help: "bash, zsh or fish.")
    var shell: String

    func validate() throws {
        guard CompletionShell(rawValue: shell) != nil else {
            throw ValidationError("unknown shell '\(shell)'; one of bash, zsh, fish")
        }
    }

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else { return }
        printOut(Maestro.completionScript(for: kind))
    }
}
