import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Runtime
import StateMachine
import WorkflowParser

/// `maestro status [--watch] [--json]`: the live daemon of the database, from its HTTP listener.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the live daemon of the database: running sessions, the retry queue, blocked runs, totals.",
        discussion: """
            Reads the daemon's snapshot (GET /api/v1/state) from the address its lock file records, with \
            $MAESTRO_API_TOKEN as the bearer token when set. Exit 3 when no daemon runs for the database.
            """
    )

    @Option(help: "The database file. Default: $MAESTRO_DB, else the nearest .maestro/maestro.sqlite in this directory or a parent.")
    var db: String?

    @Flag(help: "Redraw every --interval seconds until interrupted.")
    var watch = false

    @Option(help: "Seconds between redraws with --watch.")
    var interval: Double = 2

    @Flag(help: "Print the snapshot as JSON.")
    var json = false

    func validate() throws {
        guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 seconds") }
    }

    func run() async throws {
        let databasePath = Store.location(explicit: db).path
        guard let holder = DaemonLock.liveHolder(databasePath: databasePath) else {
            printError("maestro status: no live maestro daemon for \(databasePath) (start one with `maestro run`)")
            throw ExitCode(3)
        }
        guard let base = holder.http else {
            printError("maestro status: the daemon for \(databasePath) (pid \(holder.pid)) is not listening on HTTP yet")
            throw ExitCode(3)
        }
        let terminal = isatty(STDOUT_FILENO) == 1
        repeat {
            let (snapshot, body) = try await Self.fetch(base)
            var frame = json ? body : StatusText.render(snapshot, now: Date())
            if watch && terminal && !json { frame = "\u{1B}[H\u{1B}[2J" + frame }
            printOut(frame)
            if watch { try await Task.sleep(for: .seconds(interval)) }
        } while watch
    }

    /// The snapshot and its JSON text; a failure is a clear message and exit 1.
    static func fetch(_ base: String) async throws -> (RuntimeSnapshot, String) {
        var request = HTTPClientRequest(url: base + "/api/v1/state")
        if let token = ProcessInfo.processInfo.environment["MAESTRO_API_TOKEN"], !token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = String(buffer: try await response.body.collect(upTo: 16 << 20))
            guard response.status == .ok else {
                let envelope = try? MaestroJSON.decoder().decode(APIError.Envelope.self, from: Data(body.utf8))
                printError("maestro status: \(base) answered \(response.status.code): \(envelope?.error.message ?? body)")
                throw ExitCode(1)
            }
            return (try MaestroJSON.decoder().decode(RuntimeSnapshot.self, from: Data(body.utf8)), body)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("maestro status: cannot read \(base)/api/v1/state: \(error)")
            throw ExitCode(1)
        }
    }
}

/// The snapshot for a terminal.
enum StatusText {
    static func render(_ snapshot: RuntimeSnapshot, now: Date) -> String {
        let counts = snapshot.counts
        let totals = snapshot.codexTotals
        var lines = [
            "maestro · \(snapshot.workflow.path) revision \(snapshot.workflow.revision) · \(counts.running) running · "
                + "\(counts.retrying) retrying · \(counts.blocked) blocked",
            "totals: \(grouped(totals.totalTokens)) tokens (\(grouped(totals.inputTokens)) in, \(grouped(totals.outputTokens)) out) · "
                + "\(duration(totals.secondsRunning)) of agent time",
        ]
        if let limits = rateLimits(snapshot.rateLimits, now: now) { lines.append("rate limits: \(limits)") }
        if let error = snapshot.workflow.lastReloadErrors.first {
            lines.append("WORKFLOW.md reload failed (the last good revision runs): \(error.description)")
        }
        if !snapshot.running.isEmpty {
            lines.append("")
            lines.append(
                TextTable.render(
                    ["RUNNING", "STATE", "PHASE", "TURN", "TOKENS", "AGE", "LAST MESSAGE"],
                    snapshot.running.map {
                        [
                            $0.issueIdentifier, $0.waitingOnOperator ? "waiting" : $0.lifecycleState.rawValue, $0.phase.rawValue,
                            String($0.turnCount), grouped($0.tokens.totalTokens), duration(now.timeIntervalSince($0.startedAt)),
                            $0.lastMessage ?? $0.lastEvent ?? "",
                        ]
                    }))
        }
        if !snapshot.retrying.isEmpty {
            lines.append("")
            lines.append(
                TextTable.render(
                    ["RETRYING", "ATTEMPT", "DUE", "ERROR"],
                    snapshot.retrying.map {
                        [$0.issueIdentifier, String($0.attempt), $0.dueAt.map { due(in: $0.timeIntervalSince(now)) } ?? "", $0.error ?? ""]
                    }))
        }
        if !snapshot.blocked.isEmpty {
            lines.append("")
            lines.append(
                TextTable.render(
                    ["BLOCKED", "REASON", "WAITING ON"],
                    snapshot.blocked.map { blocked in
                        let question = blocked.requests.map { request in
                            request.summary + (request.accepts.isEmpty ? "" : " (\(request.accepts.joined(separator: ", ")))")
                        }.joined(separator: " / ")
                        return [blocked.issueIdentifier, blocked.reason.rawValue, question.isEmpty ? blocked.error ?? "" : question]
                    }))
        }
        if counts.running + counts.retrying + counts.blocked == 0 { lines += ["", "nothing running, retrying or blocked"] }
        return lines.joined(separator: "\n")
    }

    static func grouped(_ value: Int) -> String { value.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }

    static func duration(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds.rounded(.down)))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m \(whole % 60)s" }
        return "\(whole / 3600)h \(whole % 3600 / 60)m"
    }

    static func due(in seconds: Double) -> String { seconds <= 0 ? "now" : "in \(duration(seconds.rounded(.up)))" }

    /// The primary and secondary windows, in either spelling an agent reports them.
    static func rateLimits(_ limits: JSONValue?, now: Date) -> String? {
        guard let limits, !limits.isNull else { return nil }
        let windows = ["primary", "secondary"].compactMap { name -> String? in
            guard let window = limits[name], let used = (window["usedPercent"] ?? window["used_percent"])?.doubleValue else { return nil }
            var text = "\(name) \(Int(used.rounded()))%"
            if let minutes = (window["windowDurationMins"] ?? window["window_minutes"])?.intValue { text += " of \(minutes) min" }
            if let reset = (window["resetsAt"] ?? window["resets_at"])?.doubleValue {
                text += ", resets \(due(in: Date(timeIntervalSince1970: reset).timeIntervalSince(now)))"
            }
            return text
        }
        return windows.isEmpty ? nil : windows.joined(separator: " · ")
    }
}
