import Foundation
package import StateMachine
package import WorkflowParser

/// Builds the variables of a phase prompt (see `Specs/templates.md`) from the store's records.
package enum PromptContext {
    /// - Parameter previousRuns: earlier runs of this phase for the issue; `attempt` is null when 0,
    ///   else the 1-based number of this run.
    package static func variables(
        issue: IssueRecord, blockers: [IssueRecord], project: ProjectRecord?, phase: Phase, previousRuns: Int,
        dispatchable: Bool
    ) -> [String: TemplateValue] {
        func text(_ value: String?) -> TemplateValue { value.map(TemplateValue.string) ?? .null }
        func date(_ value: Date?) -> TemplateValue { value.map { .string($0.ISO8601Format()) } ?? .null }
        let issueValue: TemplateValue = .map([
            "id": .string(String(issue.id ?? 0)),
            "identifier": .string(issue.identifier),
            "title": .string(issue.title),
            "description": text(issue.description),
            "priority": issue.priority.map(TemplateValue.int) ?? .null,
            "state": .string(issue.trackerState),
            "labels": .list(issue.labels.map(TemplateValue.string)),
            "blocked_by": .list(
                blockers.map {
                    .map(["id": .string(String($0.id ?? 0)), "identifier": .string($0.identifier), "state": .string($0.trackerState)])
                }),
            "assignee_id": text(issue.assignee),
            "url": text(issue.url),
            "branch_name": text(issue.branchName),
            "dispatchable": .bool(dispatchable),
            "created_at": date(issue.createdAt),
            "updated_at": date(issue.updatedAt),
        ])
        let projectValue: TemplateValue =
            project.map {
                .map([
                    "id": .string(String($0.id ?? 0)), "name": .string($0.name), "key": .string($0.key),
                    "description": text($0.description),
                ])
            } ?? .map(["id": .null, "name": .null, "key": .null, "description": .null])
        return [
            "issue": issueValue,
            "project": projectValue,
            "phase": .string(phase.rawValue),
            "attempt": previousRuns > 0 ? .int(previousRuns + 1) : .null,
        ]
    }

    /// The template of a phase.
    package static func template(for phase: Phase, in workflow: Workflow) -> Template? {
        switch phase {
        case .implementation: workflow.prompt
        case .review: workflow.reviewPrompt
        case .done: workflow.donePrompt
        }
    }
}
