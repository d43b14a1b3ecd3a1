public import Foundation
import GRDB
import StateMachine

/// One line of an issue's story: a transition, a runtime event (hook output, agent diagnostics, a
/// question), or a session starting or ending.
public struct IssueLogEntry: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable {
        case transition, event
        case sessionStarted = "session_started"
        case sessionEnded = "session_ended"
    }

    public var at: Date
    public var kind: Kind
    /// One line for people (further lines of hook output follow it, indented by the printer).
    public var text: String
    @Nullable public var transition: TransitionView?
    @Nullable public var event: RuntimeEventView?
    @Nullable public var session: SessionView?

    enum CodingKeys: String, CodingKey {
        case at, kind, text, transition, event, session
    }
}

/// Where a reader of an issue's log stands: what it has seen of each source.
public struct IssueLogCursor: Codable, Sendable, Hashable {
    public var transitionSeq: Int64 = 0
    public var eventId: Int64 = 0
    public var sessionId: Int64 = 0
    /// Sessions seen starting but not yet ending.
    public var openSessions: [Int64] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case transitionSeq = "transition_seq"
        case eventId = "event_id"
        case sessionId = "session_id"
        case openSessions = "open_sessions"
    }
}

extension RuntimeAPI {
    /// What happened to an issue after `cursor`, in time order, and the cursor to read on from.
    ///
    /// Each source is read by its own key, so a follower that passes the returned cursor back sees
    /// every entry once, whichever process wrote it.
    public func issueLog(_ identifier: String, after cursor: IssueLogCursor = IssueLogCursor(), limit: Int = 1_000) async throws(APIError)
        -> (entries: [IssueLogEntry], cursor: IssueLogCursor)
    {
        try await read { db in
            let issue = try Board.requireIssue(identifier, db)
            let name = issue.identifier
            var next = cursor
            var entries: [IssueLogEntry] = []
            let transitions = try TransitionRecord.filter(Column("identifier") == name && Column("seq") > cursor.transitionSeq)
                .order(Column("seq")).limit(limit).fetchAll(db)
            for record in transitions {
                let view = ViewBuilding.transition(record)
                entries.append(IssueLogEntry(at: view.at, kind: .transition, text: IssueLogText.transition(view), transition: view, event: nil, session: nil))
                next.transitionSeq = max(next.transitionSeq, view.seq)
            }
            let events = try RuntimeEventRecord.filter(Column("issueId") == issue.id && Column("id") > cursor.eventId)
                .order(Column("id")).limit(limit).fetchAll(db)
            for record in events {
                let view = ViewBuilding.event(record)
                entries.append(IssueLogEntry(at: view.at, kind: .event, text: IssueLogText.event(view), transition: nil, event: view, session: nil))
                next.eventId = max(next.eventId, view.id)
            }
            let sessions = try SessionRecord.filter(
                Column("issueId") == issue.id && (Column("id") > cursor.sessionId || cursor.openSessions.contains(Column("id")))
            ).order(Column("id")).fetchAll(db)
            var open = Set(cursor.openSessions)
            for record in sessions {
                let view = ViewBuilding.session(record, issue: name)
                if view.id > cursor.sessionId {
                    entries.append(IssueLogEntry(at: view.startedAt, kind: .sessionStarted, text: IssueLogText.started(view), transition: nil, event: nil, session: view))
                    next.sessionId = max(next.sessionId, view.id)
                    open.insert(view.id)
                }
                if let ended = view.endedAt, open.contains(view.id) {
                    entries.append(IssueLogEntry(at: ended, kind: .sessionEnded, text: IssueLogText.ended(view), transition: nil, event: nil, session: view))
                    open.remove(view.id)
                }
            }
            next.openSessions = open.sorted()
            entries.sort { ($0.at, $0.rank.0, $0.rank.1) < ($1.at, $1.rank.0, $1.rank.1) }
            return (entries, next)
        }
    }
}

extension IssueLogEntry {
    /// The order of entries written in the same millisecond: a transition that starts a run, the
    /// session, its events, its end, the transition its end caused, then events of no session
    /// (hook output follows the transition that ran the hook).
    var rank: (Int, Int64) {
        switch kind {
        case .transition:
            let startsRun = transition?.effects.contains { $0.hasPrefix("start_run") } ?? false
            return (startsRun ? 0 : 4, transition?.seq ?? 0)
        case .sessionStarted: return (1, session?.id ?? 0)
        case .event where event?.sessionId != nil: return (2, event?.id ?? 0)
        case .sessionEnded: return (3, session?.id ?? 0)
        case .event: return (5, event?.id ?? 0)
        }
    }
}

/// The words of each log line.
enum IssueLogText {
    static func transition(_ view: TransitionView) -> String {
        var text = "\(view.from.rawValue) → \(view.to.rawValue) on \(view.event.rawValue)"
        if view.attempt > 0 { text += " (failures \(view.attempt))" }
        if !view.effects.isEmpty { text += " · " + view.effects.joined(separator: ", ") }
        let notes = ["error", "question", "answer", "reason", "source"].compactMap { key in view.details[key].map { "\(key): \($0)" } }
        if !notes.isEmpty { text += " · " + notes.joined(separator: "; ") }
        return text
    }

    static func event(_ view: RuntimeEventView) -> String { "\(view.kind): \(view.message)" }

    static func started(_ view: SessionView) -> String {
        "session \(view.id) started (\(view.phase.rawValue) phase)"
    }

    static func ended(_ view: SessionView) -> String {
        var text = "session \(view.id) ended: \(view.outcome ?? "ended") after \(view.turnCount) turn\(view.turnCount == 1 ? "" : "s")"
        if view.tokens.totalTokens > 0 { text += ", \(view.tokens.totalTokens) tokens" }
        if let message = view.lastMessage, !message.isEmpty { text += " · last message: \(message.prefix(200))" }
        return text
    }
}
