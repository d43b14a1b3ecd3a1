/// A GraphQL operation maestro sends to Linear. Every one has a name (it shows in logs and in the
/// fake server's journal) and is validated by the tests against the schema subset the fake serves.
public struct LinearDocument: Sendable, Hashable {
    public let name: String
    public let text: String

    public var isMutation: Bool { text.hasPrefix("mutation") }
}

extension LinearDocument {
    /// Every document maestro ships, for the conformance test.
    public static let all: [LinearDocument] = [
        viewer, project, teamStates, issuesPage, issueTeam, setState, updateIssue, createIssue, comment,
    ]

    /// The issue fields of a snapshot (§11.3). Nested connections stay small and explicit, so the
    /// query's complexity stays far under Linear's 10,000-point cap.
    static let issueFields = """
        id identifier title description priority
        state { id name type }
        branchName url
        assignee { id }
        project { id }
        team { id }
        labels(first: $nestedFirst) { nodes { name } pageInfo { hasNextPage } }
        inverseRelations(first: $nestedFirst) {
          nodes { type issue { id identifier state { name type } } }
          pageInfo { hasNextPage }
        }
        createdAt updatedAt
        """

    public static let viewer = LinearDocument(name: "MaestroViewer", text: "query MaestroViewer { viewer { id name email } }")

    /// A project by id or slug, with its teams and their workflow states.
    public static let project = LinearDocument(
        name: "MaestroProject",
        text: """
            query MaestroProject($id: String!) {
              project(id: $id) {
                id name slugId url
                teams(first: 10) {
                  nodes { id key name states(first: 100) { nodes { id name type position } } }
                  pageInfo { hasNextPage }
                }
              }
            }
            """)

    public static let teamStates = LinearDocument(
        name: "MaestroTeamStates",
        text: """
            query MaestroTeamStates($id: String!) {
              team(id: $id) { id key name states(first: 100) { nodes { id name type position } } }
            }
            """)

    /// Candidates (a state filter) or refreshes (an id filter), a page at a time.
    public static let issuesPage = LinearDocument(
        name: "MaestroIssuesPage",
        text: """
            query MaestroIssuesPage($filter: IssueFilter!, $first: Int!, $after: String, $nestedFirst: Int!) {
              issues(filter: $filter, first: $first, after: $after) {
                nodes {
                  \(issueFields)
                }
                pageInfo { hasNextPage endCursor }
              }
            }
            """)

    /// The team of one issue (UUID or identifier), for a state id when the project spans teams.
    public static let issueTeam = LinearDocument(
        name: "MaestroIssueTeam",
        text: """
            query MaestroIssueTeam($id: String!) {
              issue(id: $id) { id team { id key name states(first: 100) { nodes { id name type position } } } }
            }
            """)

    public static let setState = LinearDocument(
        name: "MaestroSetState",
        text: """
            mutation MaestroSetState($id: String!, $stateId: String!, $nestedFirst: Int!) {
              issueUpdate(id: $id, input: { stateId: $stateId }) {
                success
                issue {
                  \(issueFields)
                }
              }
            }
            """)

    public static let updateIssue = LinearDocument(
        name: "MaestroUpdateIssue",
        text: """
            mutation MaestroUpdateIssue($id: String!, $input: IssueUpdateInput!, $nestedFirst: Int!) {
              issueUpdate(id: $id, input: $input) {
                success
                issue {
                  \(issueFields)
                }
              }
            }
            """)

    public static let createIssue = LinearDocument(
        name: "MaestroCreateIssue",
        text: """
            mutation MaestroCreateIssue($input: IssueCreateInput!, $nestedFirst: Int!) {
              issueCreate(input: $input) {
                success
                issue {
                  \(issueFields)
                }
              }
            }
            """)

    public static let comment = LinearDocument(
        name: "MaestroComment",
        text: """
            mutation MaestroComment($issueId: String!, $body: String!) {
              commentCreate(input: { issueId: $issueId, body: $body }) { success comment { id url createdAt } }
            }
            """)
}
