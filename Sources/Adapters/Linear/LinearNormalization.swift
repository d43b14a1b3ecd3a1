import Foundation
import Runtime

/// A Linear issue node as maestro keeps it: the normalized snapshot (Symphony §11.3) and what the
/// provider needs besides (the team, for state ids; whether nested lists were cut short).
struct LinearIssue: Sendable, Hashable {
    var snapshot: TrackerSnapshot
    var teamId: String?
    var projectId: String?
    /// Labels or blockers had more entries than one nested page holds.
    var truncated: Bool

    /// Normalizes a node; fails (with the reason) when a required field is missing or blank.
    static func from(_ node: JSONValue) -> Result<LinearIssue, LinearError> {
        func text(_ value: JSONValue?) -> String? {
            guard let value = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value
        }
        guard let id = text(node["id"]), let identifier = text(node["identifier"]), let title = text(node["title"]),
            let state = text(node["state"]?["name"])
        else {
            let id = node["id"]?.stringValue ?? "?"
            return .failure(LinearError(.response, "issue \(id) lacks an id, identifier, title or state name"))
        }
        var labels: [String] = []
        for label in node["labels"]?["nodes"]?.arrayValue ?? [] {
            guard let name = text(label["name"])?.lowercased(), !labels.contains(name) else { continue }
            labels.append(name)
        }
        // Blockers of X are the `blocks` relations pointing at X: its inverse relations.
        let blockers = (node["inverseRelations"]?["nodes"]?.arrayValue ?? []).compactMap { relation -> BlockerView? in
            guard relation["type"]?.stringValue?.trimmingCharacters(in: .whitespaces).lowercased() == "blocks" else { return nil }
            let blocker = relation["issue"]
            return BlockerView(id: text(blocker?["id"]), identifier: text(blocker?["identifier"]), state: text(blocker?["state"]?["name"]))
        }
        let truncated =
            node["labels"]?["pageInfo"]?["hasNextPage"]?.boolValue == true
            || node["inverseRelations"]?["pageInfo"]?["hasNextPage"]?.boolValue == true
        let snapshot = TrackerSnapshot(
            externalId: id, identifier: identifier.uppercased(), title: title, description: node["description"]?.stringValue,
            priority: priority(node["priority"]), state: state, labels: labels, blockedBy: blockers,
            assignee: text(node["assignee"]?["id"]), url: text(node["url"]), branchName: text(node["branchName"]),
            createdAt: date(node["createdAt"]), updatedAt: date(node["updatedAt"]))
        return .success(
            LinearIssue(snapshot: snapshot, teamId: text(node["team"]?["id"]), projectId: text(node["project"]?["id"]), truncated: truncated))
    }

    /// Linear sends a float (`2`, `2.0`); 1...4 are priorities, 0 is "no priority", anything else nil.
    static func priority(_ value: JSONValue?) -> Int? {
        guard let number = value?.doubleValue, number.rounded() == number, (1...4).contains(number) else { return nil }
        return Int(number)
    }

    /// ISO 8601 with or without fractional seconds; anything else is nil.
    static func date(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue else { return nil }
        return (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    }
}
