import ArgumentParser
import Foundation
import Runtime

/// `maestro logs <identifier> [--follow]`: one issue's transitions, hook output and agent session
/// events in time order.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show an issue's transitions, hook output and agent session events in time order.",
        discussion: """
            --follow keeps printing new entries (from any process) until interrupted. With --json: an \
            array of entries, or one entry per line with --follow.
            """
    )

    @Argument(help: "The identifier, e.g. MAE-12.")
    var identifier: String

    @Flag(name: .shortAndLong, help: "Keep printing new entries as they are written.")
    var follow = false

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await options.run { api in
            let (entries, start) = try await api.issueLog(identifier)
            guard follow else {
                try options.print(entries) { entries.isEmpty ? "\(identifier.uppercased()): nothing logged yet" : LogText.render(entries) }
                return
            }
            try emit(entries)
            let store = api.store
            // Before the first read below, so a commit between the two still wakes it.
            let baseline = try await ChangeWatcher.baseline(of: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await ChangeWatcher(store: store, from: baseline).run() }
                group.addTask { [self] in
                    var cursor = start
                    while true {
                        let generation = store.changes.generation
                        let page = try await api.issueLog(identifier, after: cursor)
                        cursor = page.cursor
                        try emit(page.entries)
                        if page.entries.isEmpty { await store.changes.wait(after: generation) }
                        try Task.checkCancellation()
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private func emit(_ entries: [IssueLogEntry]) throws {
        for entry in entries { printOut(options.json ? try MaestroJSON.text(entry) : LogText.render([entry])) }
    }
}

/// Log lines for terminals: local time to the millisecond, then the entry; further lines of an
/// entry (hook output) indented beneath it, each made safe to print.
enum LogText {
    static func render(_ entries: [IssueLogEntry]) -> String {
        entries.map { entry in
            let lines = entry.text.split(separator: "\n", omittingEmptySubsequences: false).map { TextTable.clean(String($0)) }
            let head = "\(timestamp(entry.at))  \(lines.first ?? "")"
            return ([head] + lines.dropFirst().filter { !$0.isEmpty }.map { "    " + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon))
    }
}
