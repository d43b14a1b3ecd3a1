import ArgumentParser
import Foundation
import Runtime
import StateMachine

/// `maestro issue retry|cancel|pause|resume|answer`: submits an operator command to the daemon of
/// the database and waits for its verdict. A rejected command exits 1, with or without `--json`.
struct OperatorCommandOptions: ParsableArguments {
    @Argument(help: "The identifier, e.g. MAE-12.") var identifier: String
    @Option(help: "Seconds to wait for the daemon's verdict.") var wait: Double = 5
    @OptionGroup var store: StoreOptions

    func send(_ command: OperatorCommand, answer: String? = nil, requestId: String? = nil) async throws {
        try await store.run { api in
            let verdict = try await api.submit(
                command, to: identifier, answer: answer, requestId: requestId, wait: .milliseconds(Int64(max(wait, 0) * 1000)))
            if verdict.status == .rejected, let error = verdict.error {
                if store.json {
                    printOut(try MaestroJSON.text(verdict))
                } else {
                    printError("\(verdict.issue): \(command.rawValue) rejected: \(error.message) [\(error.code)]")
                }
                throw ExitCode(1)
            }
            try store.print(verdict) {
                switch verdict.status {
                case .applied:
                    let change = verdict.transition.map { "\($0.from.rawValue) -> \($0.to.rawValue)" } ?? ""
                    return "\(verdict.issue): \(command.rawValue) applied (\(change))"
                case .pending where !verdict.daemon:
                    return "\(verdict.issue): \(command.rawValue) queued; no daemon runs on this database, `maestro run` applies it when it starts"
                default:
                    return "\(verdict.issue): \(command.rawValue) queued; the daemon has not applied it yet"
                }
            }
        }
    }
}

extension IssueCommand {
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retry now: skip a backoff, or retry a blocked or released issue.")
        @OptionGroup var options: OperatorCommandOptions
        func run() async throws { try await options.send(.retry) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the live run and release the issue.")
        @OptionGroup var options: OperatorCommandOptions
        func run() async throws { try await options.send(.cancel) }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop working on the issue until resumed.")
        @OptionGroup var options: OperatorCommandOptions
        func run() async throws { try await options.send(.pause) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused issue.")
        @OptionGroup var options: OperatorCommandOptions
        func run() async throws { try await options.send(.resume) }
    }

    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer what a blocked run waits on.",
            discussion: """
                A question takes any text, or one of its offered answers; an approval takes approve, \
                approve-session, deny or cancel; an elicitation takes accept, decline or cancel. \
                `maestro issue show` lists what waits and the exact command to answer it.
                """)
        @OptionGroup var options: OperatorCommandOptions
        @Argument(help: "The answer.") var text: String
        @Option(help: "The request to answer, when several wait (its id from `issue show`).") var request: String?
        func run() async throws { try await options.send(.answer, answer: text, requestId: request) }
    }
}
