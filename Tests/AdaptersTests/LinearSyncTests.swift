import Adapters
import Foundation
import Runtime
import StateMachine
import Testing
import WorkflowParser

/// The Linear mirror against the strict fake: what a sync reads, how it pages, what it scopes, and
/// what happens to issues that leave the scope.
@Suite(.serialized) struct LinearSyncTests {
    @Test func aSyncMirrorsTheFollowedIssuesAsNormalizedSnapshots() async throws {
        try await withLinear { linear in
            let ids = try await linear.fake.seed(
                issues: [
                    linearIssue(
                        "Fix the login", state: "Todo", priority: 2, labels: ["Bug", " UI ", "bug"], assignee: FakeLinear.viewerId,
                        description: "It *fails*."),
                    linearIssue("Ship the API", state: "In Progress", priority: 0),
                    linearIssue("Someday", state: "Backlog"),
                    linearIssue("Finished", state: "Done"),
                    linearIssue("Not ours", state: "Todo", project: "project-other"),
                ],
                relations: [["type": "blocks", "issue": "ENG-1", "relatedIssue": "ENG-2"]])
            #expect(ids == ["ENG-1", "ENG-2", "ENG-3", "ENG-4", "ENG-5"])
            let report = try await linear.sync()
            #expect(report.issues == 2 && report.pages == 1 && report.leavers == 0)

            let page = try await linear.api.issues(IssueQuery(project: linear.project)).items
            #expect(Set(page.map(\.identifier)) == ["ENG-1", "ENG-2"])
            let first = try await linear.issue("ENG-1")
            let fakeFirst = try #require(try await linear.fake.issue("ENG-1"))
            #expect(first.id == fakeFirst["id"]?.stringValue)
            #expect(first.provider == "linear" && first.project == linear.project && first.visible)
            #expect(first.labels == ["bug", "ui"])
            #expect(first.priority == 2 && first.state == "Todo" && first.description == "It *fails*.")
            #expect(first.assignee == FakeLinear.viewerId)
            #expect(first.url == fakeFirst["url"]?.stringValue && first.branchName == fakeFirst["branchName"]?.stringValue)
            let second = try await linear.issue("ENG-2")
            #expect(second.priority == nil, "Linear's 0 is no priority")
            // Blockers come from the inverse `blocks` relations; ENG-1 is in the store, so it links.
            #expect(second.blockedBy.map(\.identifier) == ["ENG-1"])
            #expect(first.lifecycle.state == .queued)
            #expect(second.lifecycle.state == .released, "blocked by an unfinished issue: not routable")

            // A second pass that finds nothing new writes nothing.
            let before = try await linear.api.lastSeq()
            try await linear.sync()
            #expect(try await linear.api.lastSeq() == before)
        }
    }

    @Test func everyPageIsReadWithTheCursorLinearGave() async throws {
        try await withLinear(provider: "    page_size: 5") { linear in
            try await linear.fake.generate(23)
            let report = try await linear.sync()
            #expect(report.issues == 23 && report.pages == 5)
            #expect(try await linear.api.issues(IssueQuery(project: linear.project)).items.count == 23)
            let pages = try await linear.fake.requests().filter { $0["operationName"]?.stringValue == "MaestroIssuesPage" }
            #expect(pages.count == 5)
            #expect(pages.allSatisfy { $0["variables"]?["first"] == .int(5) })
            #expect(pages.first?["variables"]?["after"] == .null)
            // Each `after` is a cursor Linear returned, passed back verbatim: the fake rejects others.
            #expect(Set(pages.dropFirst().compactMap { $0["variables"]?["after"]?.stringValue }).count == 4)
            #expect(pages.allSatisfy { $0["status"] == .int(200) })
        }
    }

    @Test func aShortPageWithMoreToComeIsNotTheEnd() async throws {
        try await withLinear(provider: "    page_size: 4") { linear in
            try await linear.fake.generate(9)
            try await linear.fake.fault("short_page", operation: "MaestroIssuesPage")
            let report = try await linear.sync()
            #expect(report.issues == 9)
            #expect(try await linear.api.issues(IssueQuery(project: linear.project)).items.count == 9)
        }
    }

    @Test func theAssigneeFilterIncludingMeScopesTheMirror() async throws {
        try await withLinear(provider: "    assignee: me") { linear in
            try await linear.fake.seed(issues: [
                linearIssue("mine", assignee: FakeLinear.viewerId), linearIssue("theirs", assignee: FakeLinear.otherUserId),
                linearIssue("nobody's"),
            ])
            try await linear.sync()
            #expect(try await linear.api.issues(IssueQuery(project: linear.project)).items.map(\.identifier) == ["ENG-1"])
            let filter = try #require(try await linear.fake.requests().last { $0["operationName"]?.stringValue == "MaestroIssuesPage" })
            #expect(filter["variables"]?["filter"]?["assignee"] == ["isMe": ["eq": true]])

            // Reassigned away in Linear: the issue leaves the scope and is hidden, not deleted.
            try await linear.fake.change("ENG-1", ["assignee": .string(FakeLinear.otherUserId)])
            let report = try await linear.sync()
            #expect(report.leavers == 1)
            let gone = try await linear.issue("ENG-1")
            #expect(!gone.visible && gone.lifecycle.state == .released)
        }
        try await withLinear(provider: "    assignee: \(FakeLinear.otherUserId)") { linear in
            try await linear.fake.seed(issues: [
                linearIssue("mine", assignee: FakeLinear.viewerId), linearIssue("theirs", assignee: FakeLinear.otherUserId),
            ])
            try await linear.sync()
            #expect(try await linear.api.issues(IssueQuery(project: linear.project)).items.map(\.identifier) == ["ENG-2"])
        }
    }

    @Test func issuesThatLeaveTheFollowedStatesAreRefreshedByIdOrHidden() async throws {
        try await withLinear { linear in
            try await linear.fake.seed(issues: [linearIssue("done soon"), linearIssue("moves away"), linearIssue("deleted"), linearIssue("stays")])
            try await linear.sync()
            try await linear.fake.change("ENG-1", ["state": "Done"])
            try await linear.fake.change("ENG-2", ["project": "project-other"])
            try await linear.fake.change("ENG-3", ["delete": true])
            let report = try await linear.sync()
            #expect(report.issues == 1 && report.leavers == 3)
            let done = try await linear.issue("ENG-1")
            #expect(done.visible && done.state == "Done" && done.lifecycle.state == .closed)
            for identifier in ["ENG-2", "ENG-3"] {
                let hidden = try await linear.issue(identifier)
                #expect(!hidden.visible && hidden.lifecycle.state == .released, "\(identifier)")
            }
            #expect(try await linear.issue("ENG-4").visible)
            // One by-id request for the three, with the project in the filter.
            let byId = try await linear.fake.requests().filter { $0["variables"]?["filter"]?["id"] != nil }
            #expect(byId.count == 1)
            #expect(byId.first?["variables"]?["filter"]?["project"] == ["id": ["eq": .string(FakeLinear.projectId)]])
            // A done issue is not read again on later passes.
            let count = try await linear.fake.requests().count
            try await linear.sync()
            #expect(try await linear.fake.requests().count == count + 1)
        }
    }

    @Test func workflowStateNamesAreMatchedInLinearsSpelling() async throws {
        try await withLinear(tracker: "  active_states: [todo, ' in progress ']") { linear in
            try await linear.fake.seed(issues: [linearIssue("a", state: "Todo"), linearIssue("b", state: "In Progress")])
            try await linear.sync()
            #expect(try await linear.api.issues(IssueQuery(project: linear.project)).items.count == 2)
            let page = try #require(try await linear.fake.requests().last { $0["operationName"]?.stringValue == "MaestroIssuesPage" })
            let names = page["variables"]?["filter"]?["state"]?["name"]?["in"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(names) == ["Todo", "In Progress", "Human Review"])
        }
    }

    @Test func theSyncServiceReportsProgressAndFailuresInTheSnapshot() async throws {
        try await withLinear(provider: "    page_size: 2") { linear in
            try await linear.fake.generate(5)
            await linear.service.passOverProjects(states: linearFollowedStates(await linear.workflow))
            var status = try #require(linear.syncBoard.status(of: linear.project))
            #expect(status.state == .ok && !status.initial && status.issues == 5 && status.pages == 3 && status.lastSyncAt != nil)

            try await linear.fake.fault("http_error", operation: "MaestroIssuesPage", times: 3, ["status": 503, "body": "html"])
            await linear.service.passOverProjects(states: linearFollowedStates(await linear.workflow))
            status = try #require(linear.syncBoard.status(of: linear.project))
            #expect(status.state == .failed && status.lastError?.hasPrefix("tracker_status") == true, "\(status)")
            // The last good copy stays.
            #expect(try await linear.api.issues(IssueQuery(project: linear.project)).items.filter(\.visible).count == 5)
            let snapshot = try await linear.api.snapshot()
            #expect(snapshot.sync?.projects.first?.state == .failed)
            let json = try MaestroJSON.text(snapshot)
            #expect(json.contains("\"sync\":{\"projects\":[{") && json.contains("\"last_error\":\"tracker_status"))
        }
    }

    /// A page read before a move but mirrored after the move's answer used to put the issue back
    /// in its old state: an agent's hand-off to Done during a sync pass ended its review run blocked.
    @Test func aPageReadBeforeAMoveDoesNotUndoTheMove() async throws {
        try await withLinear { linear in
            try await linear.fake.seed(issues: [linearIssue("one", state: "Todo")])
            try await linear.sync()
            #expect(try await linear.issue("ENG-1").state == "Todo")
            let pagesBefore = try await linear.fake.operations().filter { $0 == "MaestroIssuesPage" }.count
            // The next page is read at once and answered 1.5 s later.
            try await linear.fake.fault("slow", operation: "MaestroIssuesPage", times: 1, ["delay_ms": 1500, "where": "after"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await linear.sync() }
                var pages = pagesBefore
                for _ in 0..<500 where pages == pagesBefore {
                    try await Task.sleep(for: .milliseconds(20))
                    pages = try await linear.fake.operations().filter { $0 == "MaestroIssuesPage" }.count
                }
                #expect(pages > pagesBefore, "the sync asked for its page")
                try await Task.sleep(for: .milliseconds(200))
                #expect(try await linear.api.moveIssue("ENG-1", to: "In Progress").state == "In Progress")
                try await group.waitForAll()
            }
            #expect(try await linear.fake.stateName(of: "ENG-1") == "In Progress")
            #expect(try await linear.issue("ENG-1").state == "In Progress", "the older page did not undo the move")
        }
    }
}
