import Adapters
import Foundation
import Runtime
import StateMachine
import Testing
import WorkflowParser

/// Writes through the Runtime API to a Linear-backed project: what Linear does, what it refuses,
/// and how each failure is reported.
@Suite(.serialized) struct LinearWriteTests {
    @Test func movesCreatesEditsAndCommentsGoToLinearFirst() async throws {
        try await withLinear { linear in
            try await linear.fake.seed(issues: [linearIssue("Existing")])
            try await linear.sync()

            let moved = try await linear.api.moveIssue("ENG-1", to: "human review")
            #expect(moved.state == "Human Review")
            #expect(try await linear.fake.stateName(of: "ENG-1") == "Human Review")
            let mutation = try #require(try await linear.fake.state()["mutations"]?.arrayValue?.last)
            #expect(mutation["input"] == ["stateId": "st-review"])

            let created = try await linear.api.createIssue(
                in: linear.project, NewIssue(title: "From maestro", description: "Body", priority: 3, state: "Backlog"))
            #expect(created.identifier == "ENG-2" && created.state == "Backlog" && created.priority == 3 && created.provider == "linear")
            #expect(try await linear.fake.stateName(of: "ENG-2") == "Backlog")

            let edited = try await linear.api.updateIssue("ENG-2", IssueChanges(title: "Renamed", clearPriority: true))
            #expect(edited.title == "Renamed" && edited.priority == nil)
            #expect(try await linear.fake.issue("ENG-2")?["title"] == "Renamed")

            let comment = try await linear.api.comment(on: "ENG-1", body: "Looks good.", author: "operator")
            #expect(comment.author == "operator" && comment.body == "Looks good.")
            #expect(try await linear.fake.state()["comments"]?.arrayValue?.first?["body"] == "Looks good.")
            // The state names of the project's team, in board order.
            #expect(
                try await linear.api.states(of: linear.project) == [
                    "Backlog", "Todo", "In Progress", "Human Review", "Done", "Canceled", "Duplicate",
                ])
        }
    }

    @Test func whatLinearCannotDoThroughMaestroIsRefusedBeforeAnyRequest() async throws {
        try await withLinear { linear in
            try await linear.fake.seed(issues: [linearIssue("Existing")])
            try await linear.sync()
            let before = try await linear.fake.requests().count
            await expectCode("unsupported_by_provider") {
                _ = try await linear.api.createIssue(in: linear.project, NewIssue(title: "x", labels: ["bug"]))
            }
            await expectCode("unsupported_by_provider") { _ = try await linear.api.updateIssue("ENG-1", IssueChanges(addLabels: ["bug"])) }
            await expectCode("unsupported_by_provider") { _ = try await linear.api.updateIssue("ENG-1", IssueChanges(addBlockers: ["ENG-1"])) }
            await expectCode("unsupported_by_provider") { _ = try await linear.api.deleteIssue("ENG-1") }
            await expectCode("invalid_value") { _ = try await linear.api.updateIssue("ENG-1", IssueChanges()) }
            await expectCode("invalid_value") { _ = try await linear.api.createIssue(in: linear.project, NewIssue(title: "  ")) }
            await expectCode("invalid_value") { _ = try await linear.api.comment(on: "ENG-1", body: " ", author: "me") }
            #expect(try await linear.fake.requests().count == before, "refused without asking Linear")

            await expectCode("invalid_state") { _ = try await linear.api.moveIssue("ENG-1", to: "Shipped") }
            await expectCode("invalid_value") {
                _ = try await linear.api.createProject(NewProject(name: "x", provider: "linear"))
            }
            await expectCode("invalid_value") {
                _ = try await linear.api.createProject(
                    NewProject(name: "x", provider: "linear", externalId: "elsewhere-1", settings: ["api_key_env": "lin_api_oops"]))
            }
            await expectCode("invalid_value") {
                _ = try await linear.api.createProject(
                    NewProject(name: "x", provider: "linear", externalId: "elsewhere-1", settings: ["colour": "red"]))
            }
            await expectCode("invalid_tracker_config") {
                _ = try await linear.api.createProject(
                    NewProject(
                        name: "x", provider: "linear", externalId: "no-such-project",
                        settings: ["api_key_env": LinearHarness.keyVariable, "endpoint": linear.fake.endpoint]))
            }
            await expectCode("missing_tracker_secret") {
                _ = try await linear.api.createProject(
                    NewProject(
                        name: "x", provider: "linear", externalId: "elsewhere-1",
                        settings: ["api_key_env": "MAESTRO_TEST_UNSET_KEY", "endpoint": linear.fake.endpoint]))
            }
            await expectCode("duplicate_project") {
                _ = try await linear.api.createProject(
                    NewProject(
                        name: "again", provider: "linear", externalId: FakeLinear.projectSlug,
                        settings: ["api_key_env": LinearHarness.keyVariable, "endpoint": linear.fake.endpoint]))
            }
            let other = try await linear.api.createProject(
                NewProject(
                    name: "", key: "ELS", provider: "linear", externalId: "elsewhere-1",
                    settings: ["api_key_env": LinearHarness.keyVariable, "endpoint": linear.fake.endpoint, "assignee": "me"]))
            #expect(other.name == "Elsewhere" && other.externalId == "project-other" && other.settings["slug"] == "elsewhere-1")
            #expect(other.settings["assignee"] == "me" && other.settings["team_key"] == "OPS")
            #expect(!other.settings.values.contains(FakeLinear.apiKey))
        }
    }

    @Test func everyFaultCategoryIsReportedWithItsCode() async throws {
        try await withLinear(timeoutMs: 1000) { linear in
            try await linear.fake.seed(issues: [linearIssue("one")])
            try await linear.sync()
            let cases: [(action: String, extra: [String: JSONValue], times: Int, code: String)] = [
                ("http_error", ["status": 500], 3, "tracker_status"),
                ("http_error", ["status": 502, "body": "html"], 3, "tracker_status"),
                ("rate_limited", ["variant": "400", "reset_ms": 60_000], 1, "tracker_rate_limited"),
                ("malformed_json", [:], 1, "tracker_response"),
                ("non_json", [:], 1, "tracker_response"),
                (
                    "graphql_errors",
                    [
                        "errors": [["message": "Something odd", "extensions": ["type": "invalid input", "code": "INPUT_ERROR"]]],
                        "data": ["issues": ["nodes": [], "pageInfo": ["hasNextPage": false]]],
                    ], 1, "tracker_response"
                ),
                ("auth_error", [:], 1, "tracker_auth"),
                ("missing_end_cursor", [:], 1, "tracker_pagination"),
                ("slow", ["delay_ms": 2500], 3, "tracker_request"),
                ("drop_connection", [:], 3, "tracker_request"),
            ]
            for fault in cases {
                try await linear.fake.control("faults", ["clear": true])
                try await linear.fake.fault(fault.action, operation: "MaestroIssuesPage", times: fault.times, fault.extra)
                var code: String?
                do {
                    try await linear.sync()
                } catch let error as LinearError {
                    code = error.category.rawValue
                    #expect(!error.message.contains(FakeLinear.apiKey))
                }
                #expect(code == fault.code, "\(fault.action): \(code ?? "no error")")
                // The last good copy stays, whatever failed.
                #expect(try await linear.issue("ENG-1").visible, "\(fault.action)")
                // A rate limit pauses the endpoint: wait it out before the next case.
                if fault.action == "rate_limited" {
                    let requests = try await linear.fake.requests().count
                    await expectCode("tracker_rate_limited") {
                        try await linear.provider.refresh([
                            IssueRef(identifier: "ENG-1", externalId: try await linear.issue("ENG-1").id, project: linear.project)
                        ])
                    }
                    #expect(try await linear.fake.requests().count == requests, "no request while paused")
                    linear.provider.transport.clearPauses()
                }
            }
        }
    }

    @Test func transientFailuresOfReadsAreRetriedAndShortRateLimitsWaitedOut() async throws {
        try await withLinear { linear in
            try await linear.fake.seed(issues: [linearIssue("one")])
            try await linear.fake.fault("http_error", operation: "MaestroIssuesPage", times: 2, ["status": 500])
            try await linear.sync()
            try await linear.fake.fault("rate_limited", operation: "MaestroIssuesPage", times: 1, ["variant": "429", "reset_ms": 300])
            try await linear.sync()
            try await linear.fake.fault("rate_limited", operation: "MaestroIssuesPage", times: 1, ["variant": "400", "reset_ms": 300])
            try await linear.sync()
            let statuses = try await linear.fake.requests().filter { $0["operationName"] == "MaestroIssuesPage" }.compactMap {
                $0["status"]?.intValue
            }
            #expect(statuses == [500, 500, 200, 429, 200, 400, 200])
            #expect(try await linear.issue("ENG-1").visible)
        }
    }

    @Test func aMutationIsNotRepeatedAfterATimeoutButReadBack() async throws {
        try await withLinear(timeoutMs: 1000) { linear in
            try await linear.fake.seed(issues: [linearIssue("one")])
            try await linear.sync()
            // The write lands, the answer comes too late: maestro reads the issue instead of repeating.
            try await linear.fake.fault("slow", operation: "MaestroSetState", times: 1, ["delay_ms": 1500, "where": "after"])
            let moved = try await linear.api.moveIssue("ENG-1", to: "In Progress")
            #expect(moved.state == "In Progress")
            let operations = try await linear.fake.operations()
            #expect(operations.filter { $0 == "MaestroSetState" }.count == 1, "\(operations)")
        }
    }
}

/// Runs `body` and expects an ``APIError`` with `code`.
func expectCode(_ code: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
    } catch let error as APIError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
