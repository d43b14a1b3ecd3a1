import Foundation
public import Runtime
import StateMachine

extension LinearProvider {
    // MARK: - Projects

    /// Mirrors a Linear project: `externalId` is its slug or id (resolved with one request, which
    /// also checks the key), `settings` its options. The store keeps Linear's id, slug and first team.
    public func createProject(_ new: NewProject) async throws -> ProjectView {
        try await linear {
            guard let reference = new.externalId?.trimmingCharacters(in: .whitespaces), !reference.isEmpty else {
                throw APIError(
                    .invalidValue, "a Linear project needs its slug or id (maestro project create --provider linear --linear-project SLUG)")
            }
            try LinearProjectSettings.validate(new.settings)
            let endpoint = try endpoint(LinearProjectSettings(new.settings))
            let info = try await resolveProject(reference, at: endpoint)
            return try await mirror(info, as: new)
        }
    }

    /// Creates the store's project for a resolved Linear project: Linear's id as `external_id`, its
    /// slug, URL and first team in the settings; Linear's name when `new` has none.
    func mirror(_ info: LinearProjectInfo, as new: NewProject) async throws -> ProjectView {
        let api = RuntimeAPI(board: board, providers: Providers([self]))
        if let mirrored = try await api.projects().first(where: { $0.provider == kind && $0.externalId == info.id }) {
            throw APIError(.duplicateProject, "Linear project '\(info.name)' is already mirrored as \(mirrored.key)")
        }
        var settings = new.settings
        settings["slug"] = info.slug
        settings["url"] = info.url
        settings["team_id"] = info.teams.first?.id
        settings["team_key"] = info.teams.first?.key
        let name = new.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let created = try await board.createProject(
            NewProject(
                name: name.isEmpty ? info.name : name, key: new.key, description: new.description, provider: kind, externalId: info.id,
                settings: settings))
        wake.notify()
        return created
    }

    /// Forgets the mirror (its issues and their history in the store); Linear keeps the project.
    public func deleteProject(_ project: ProjectView) async throws -> ProjectView {
        try await board.deleteProject(project.key)
    }

    // MARK: - Issues

    /// Creates the issue in Linear (in the project's first team), then mirrors Linear's answer.
    /// Labels and blockers are Linear's to set: asking for them is `unsupported_by_provider`.
    public func createIssue(in project: ProjectView, _ new: NewIssue) async throws -> IssueView {
        guard new.labels.isEmpty, new.blockedBy.isEmpty else {
            throw APIError(.unsupportedByProvider, "maestro does not set labels or blockers in Linear; add them in Linear")
        }
        let title = new.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw APIError(.invalidValue, "an issue needs a title") }
        try Self.checkPriority(new.priority)
        return try await linear {
            let (endpoint, settings) = try await endpoint(for: project)
            let info = try await projectInfo(project, at: endpoint)
            guard let team = info.teams.first(where: { $0.id == settings.teamId }) ?? info.teams.first else {
                throw LinearError(.invalidConfig, "Linear project '\(info.name)' has no team to create issues in")
            }
            var input: [String: JSONValue] = ["teamId": .string(team.id), "projectId": .string(info.id), "title": .string(title)]
            if let description = new.description { input["description"] = .string(description) }
            if let priority = new.priority { input["priority"] = .int(priority) }
            if let state = new.state { input["stateId"] = .string(try await self.state(named: state, in: team, at: endpoint).id) }
            let data = try await transport.data(
                .createIssue, variables: ["input": .object(input), "nestedFirst": .int(Self.nestedFirst)], at: endpoint)
            let issue = try Self.issue(in: data, "issueCreate")
            try await keep([issue], in: project.key)
            return try await view(issue.snapshot.identifier)
        }
    }

    /// Edits the title, description or priority in Linear; labels and blockers are refused.
    public func updateIssue(_ issue: IssueView, _ changes: IssueChanges) async throws -> IssueView {
        guard changes.addLabels.isEmpty, changes.removeLabels.isEmpty, changes.addBlockers.isEmpty, changes.removeBlockers.isEmpty else {
            throw APIError(.unsupportedByProvider, "maestro does not change labels or blockers in Linear; change them in Linear")
        }
        guard !changes.isEmpty else { throw APIError(.invalidValue, "nothing to change: give a title, description or priority") }
        if let title = changes.title, title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError(.invalidValue, "an issue needs a title")
        }
        try Self.checkPriority(changes.priority)
        var input: [String: JSONValue] = [:]
        if let title = changes.title?.trimmingCharacters(in: .whitespacesAndNewlines) { input["title"] = .string(title) }
        if let description = changes.description { input["description"] = .string(description) }
        if let priority = changes.priority { input["priority"] = .int(priority) }
        if changes.clearPriority { input["priority"] = .int(0) }
        return try await linear {
            let project = try await RuntimeAPI(board: board, providers: Providers([self])).project(issue.project)
            let (endpoint, _) = try await endpoint(for: project)
            let data = try await transport.data(
                .updateIssue, variables: ["id": .string(issue.id), "input": .object(input), "nestedFirst": .int(Self.nestedFirst)],
                at: endpoint)
            let updated = try Self.issue(in: data, "issueUpdate")
            try await keep([updated], in: project.key)
            return try await view(updated.snapshot.identifier)
        }
    }

    /// Sets the issue's workflow state in Linear (the id resolved by name in the issue's team, and
    /// cached), then mirrors Linear's answer. With `expected`, an issue whose mirrored state is no
    /// longer that one is left alone. After a timeout the issue is read again before failing: a
    /// mutation is never repeated blindly.
    public func moveIssue(_ issue: IssueView, to state: String, ifCurrently expected: String?) async throws -> IssueView {
        if let expected, normalizedTrackerState(issue.state) != normalizedTrackerState(expected) { return issue }
        return try await linear {
            let project = try await RuntimeAPI(board: board, providers: Providers([self])).project(issue.project)
            let (endpoint, _) = try await endpoint(for: project)
            let team = try await team(of: issue, in: project, at: endpoint)
            let target = try await self.state(named: state, in: team, at: endpoint)
            guard normalizedTrackerState(issue.state) != normalizedTrackerState(target.name) else { return issue }
            let data: JSONValue
            do {
                data = try await transport.data(
                    .setState, variables: ["id": .string(issue.id), "stateId": .string(target.id), "nestedFirst": .int(Self.nestedFirst)],
                    at: endpoint)
            } catch let error as LinearError where error.category == .request {
                // The write may have landed: look before reporting a failure.
                _ = try await refreshByIds([issue.id], of: project)
                let now = try await view(issue.identifier)
                guard normalizedTrackerState(now.state) == normalizedTrackerState(target.name) else { throw error }
                return now
            }
            let moved = try Self.issue(in: data, "issueUpdate")
            try await keep([moved], in: project.key)
            return try await view(moved.snapshot.identifier)
        }
    }

    /// Comments in Linear (as the API key's user), and keeps the comment in the store with its author.
    public func comment(on issue: IssueView, body: String, author: String) async throws -> CommentView {
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.invalidValue, "a comment needs a body")
        }
        guard !author.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.invalidValue, "a comment needs an author")
        }
        return try await linear {
            let project = try await RuntimeAPI(board: board, providers: Providers([self])).project(issue.project)
            let (endpoint, _) = try await endpoint(for: project)
            let data = try await transport.data(.comment, variables: ["issueId": .string(issue.id), "body": .string(body)], at: endpoint)
            guard data["commentCreate"]?["success"]?.boolValue == true else {
                throw LinearError(.response, "Linear did not accept the comment (success: false)")
            }
            return try await board.comment(issue.identifier, body: body, author: author)
        }
    }

    public func deleteIssue(_ issue: IssueView) async throws -> IssueView {
        throw APIError(.unsupportedByProvider, "maestro does not delete Linear issues; delete or cancel \(issue.identifier) in Linear")
    }

    // MARK: - Helpers

    /// The issue of a mutation's payload; `success: false` is a rejection.
    static func issue(in data: JSONValue, _ field: String) throws -> LinearIssue {
        guard let payload = data[field], payload["success"]?.boolValue == true else {
            throw LinearError(.response, "Linear rejected the change (\(field): success false)")
        }
        guard let node = payload["issue"], node != .null else { throw LinearError(.response, "\(field) returned no issue") }
        return try LinearIssue.from(node).get()
    }

    static func checkPriority(_ priority: Int?) throws {
        if let priority, !(1...4).contains(priority) {
            throw APIError(.invalidValue, "priority must be 1 (urgent) to 4 (low), got \(priority)")
        }
    }
}
