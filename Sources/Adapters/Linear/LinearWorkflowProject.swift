import Foundation
public import Runtime
public import WorkflowParser

extension LinearProvider {
    /// The project a `tracker.kind: linear` workflow names (Symphony's `project_slug`): the mirror
    /// already in the store, or a new one created now. `nil` for another kind of workflow.
    ///
    /// A new project takes Linear's name (with " (Linear)" when a project of that name exists) and
    /// `tracker.provider.project_key`, else a key derived from the name, else its team's key.
    public func ensureProject(for workflow: Workflow) async throws -> ProjectView? {
        guard let tracker = LinearWorkflowTracker(workflow: workflow) else { return nil }
        declareSecrets(workflow.config.tracker.providerEnvironmentNames.values)
        let api = RuntimeAPI(board: board, providers: Providers([self]))
        let existing = try await api.projects()
        if let mirrored = existing.first(where: tracker.names) { return mirrored }
        return try await linear {
            let endpoint = try endpoint(LinearProjectSettings(tracker.settings))
            let info = try await resolveProject(tracker.projectSlug, at: endpoint)
            if let mirrored = existing.first(where: { $0.provider == kind && $0.externalId == info.id }) { return mirrored }
            let names = existing.map(\.name)
            let name = names.contains(info.name) ? "\(info.name) (Linear)" : info.name
            let keys: [String?] =
                tracker.projectKey.map { [$0] } ?? ([nil, info.teams.first?.key] + (2...9).map { "LIN\($0)" })
            var lastError: APIError?
            for key in keys {
                do {
                    try LinearProjectSettings.validate(tracker.settings)
                    return try await mirror(info, as: NewProject(name: name, key: key, provider: kind, settings: tracker.settings))
                } catch let error as APIError where error.code == APIError.Code.duplicateProject.rawValue {
                    lastError = error
                }
            }
            throw lastError ?? APIError(.duplicateProject, "no free project key for Linear project '\(info.name)'")
        }
    }
}
