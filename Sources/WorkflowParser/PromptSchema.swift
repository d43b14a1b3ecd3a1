/// The variables a prompt template may use, for the static check at validate time.
public enum PromptSchema {
    /// Every normalized issue field (Symphony §4.1.1), plus maestro's project.
    public static let issue = TemplateSchema.map([
        "id": .scalar,
        "identifier": .scalar,
        "title": .scalar,
        "description": .scalar,
        "priority": .scalar,
        "state": .scalar,
        "labels": .list(.scalar),
        "blocked_by": .list(.map(["id": .scalar, "identifier": .scalar, "state": .scalar])),
        "assignee_id": .scalar,
        "url": .scalar,
        "branch_name": .scalar,
        "dispatchable": .scalar,
        "created_at": .scalar,
        "updated_at": .scalar,
    ])

    public static let project = TemplateSchema.map([
        "id": .scalar,
        "name": .scalar,
        "key": .scalar,
        "description": .scalar,
    ])

    /// `attempt` is null on the first run, then the 1-based attempt number; `phase` is
    /// `implementation`, `review` or `done`.
    public static let variables: [String: TemplateSchema] = [
        "issue": issue,
        "attempt": .scalar,
        "phase": .scalar,
        "project": project,
    ]

    /// The prompt used when the body is empty (Symphony §5.4).
    public static let defaultPrompt = "You are working on an issue from the configured tracker."
}
