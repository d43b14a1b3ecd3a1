import Adapters
import ArgumentParser
import Foundation
import GRDB
import Runtime
import StateMachine

/// `maestro issue retry|cancel|pause|resume|answer`: writes an operator command for the daemon and
/// waits briefly for its verdict.
struct OperatorCommandOptions: ParsableArguments {
    @Argument(help: "The identifier, e.g. MAE-12.") var identifier: String
    @OptionGroup var store: StoreOptions

    func send(_ event: LifecycleEvent, payload: [String: String] = [:]) async throws {
        try await store.reportingErrors {
            let database = try store.openStore()
            let data = try JSONEncoder().encode(payload)
            let command = try await database.write { [identifier] db in
                guard let issue = try IssueRecord.find(identifier, in: db) else { throw StoreError.issueNotFound(identifier) }
                var command = OperatorCommandRecord(
                    issueId: issue.id ?? 0, command: event, payload: String(decoding: data, as: UTF8.self), at: Date())
                try command.insert(db)
                return command
            }
            let daemon = DaemonLock.liveHolder(databasePath: store.databasePath)
            var resolved = command
            if daemon != nil {
                let deadline = ContinuousClock.now + .seconds(3)
                while resolved.status == .pending, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                    resolved = try await database.read { db in try OperatorCommandRecord.fetchOne(db, key: command.id) } ?? resolved
                }
            }
            if store.json {
                struct Output: Encodable {
                    var command: String
                    var issue: String
                    var status: String
                    var result: String?
                    var daemon: Bool
                }
                return printOut(
                    try encodeJSON(
                        Output(
                            command: event.rawValue, issue: identifier.uppercased(), status: resolved.status.rawValue, result: resolved.result,
                            daemon: daemon != nil)))
            }
            switch resolved.status {
            case .applied: printOut("\(identifier.uppercased()): \(event.rawValue) applied (\(resolved.result ?? ""))")
            case .rejected:
                printError("\(identifier.uppercased()): \(event.rawValue) rejected: \(resolved.result ?? "")")
                throw ExitCode(1)
            case .pending:
                printOut(
                    daemon == nil
                        ? "\(identifier.uppercased()): \(event.rawValue) queued; no daemon runs on this database, `maestro run` applies it when it starts"
                        : "\(identifier.uppercased()): \(event.rawValue) queued; the daemon has not applied it yet")
            }
        }
    }
}

extension IssueCommand {
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retry now: skip a backoff, or retry a blocked or released issue.")
        @OptionGroup var options: OperatorCommandOptions
        func run() async throws { try await options.send(.retryNow) }
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
            abstract: "Answer a blocked run's question, or its approval request (`approve`, `approve-session` or `deny`).")
        @OptionGroup var options: OperatorCommandOptions
        @Argument(help: "The answer.") var text: String
        func run() async throws { try await options.send(.operatorAnswered, payload: ["answer": text]) }
    }
}
