import Adapters
import Foundation
import Runtime
import StateMachine

/// The JSON shapes of project and issue commands; documented in Specs/cli.md.
struct ProjectJSON: Encodable {
    var key: String
    var name: String
    var description: String?
    var issueCount: Int?
    var createdAt: String

    init(_ project: ProjectRecord, issueCount: Int? = nil) {
        key = project.key
        name = project.name
        description = project.description
        self.issueCount = issueCount
        createdAt = iso8601(project.createdAt)
    }
}

struct LifecycleJSON: Encodable {
    var state: String
    var version: Int
    var attempt: Int
    var phase: String
    var blockReason: String?
    var dueAt: String?
    var lastError: String?
}

struct IssueJSON: Encodable {
    var identifier: String
    var title: String
    var description: String?
    var priority: Int?
    var state: String
    var labels: [String]
    var blockedBy: [String]?
    var lifecycle: LifecycleJSON
    var createdAt: String
    var updatedAt: String

    init(_ issue: IssueRecord, blockedBy: [String]? = nil) {
        identifier = issue.identifier
        title = issue.title
        description = issue.description
        priority = issue.priority
        state = issue.trackerState
        labels = issue.labels
        self.blockedBy = blockedBy
        lifecycle = LifecycleJSON(
            state: issue.lifecycleState.rawValue, version: issue.version, attempt: issue.attempt,
            phase: issue.phase.rawValue, blockReason: issue.blockReason?.rawValue, dueAt: issue.dueAt.map(iso8601),
            lastError: issue.lastError)
        createdAt = iso8601(issue.createdAt)
        updatedAt = iso8601(issue.updatedAt)
    }
}

struct TransitionJSON: Encodable {
    var seq: Int64
    var from: String
    var to: String
    var event: String
    var attempt: Int
    var at: String
    var payload: [String: String]

    init(_ record: TransitionRecord) {
        seq = record.seq ?? 0
        from = record.fromState.rawValue
        to = record.toState.rawValue
        event = record.event.rawValue
        attempt = record.attempt
        at = iso8601(record.at)
        payload = record.payloadObject
    }
}

struct IssueDetailJSON: Encodable {
    struct Comment: Encodable {
        var author: String
        var body: String
        var at: String
    }
    struct Tokens: Encodable {
        var input: Int
        var output: Int
        var total: Int
    }
    var issue: IssueJSON
    var project: String
    var comments: [Comment]
    var history: [TransitionJSON]
    var sessions: Int
    var tokens: Tokens

    init(_ detail: IssueDetail) {
        issue = IssueJSON(detail.issue, blockedBy: detail.blockers.map(\.identifier))
        project = detail.project.key
        comments = detail.comments.map { Comment(author: $0.author, body: $0.body, at: iso8601($0.createdAt)) }
        history = detail.history.map(TransitionJSON.init)
        sessions = detail.sessions.count
        tokens = Tokens(
            input: detail.sessions.reduce(0) { $0 + $1.inputTokens },
            output: detail.sessions.reduce(0) { $0 + $1.outputTokens },
            total: detail.sessions.reduce(0) { $0 + $1.totalTokens })
    }
}

func iso8601(_ date: Date) -> String {
    date.ISO8601Format(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}

/// A plain text table with left-aligned columns.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
