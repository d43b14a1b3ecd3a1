import Foundation
import MCP
import Runtime
import Testing
import Transports

/// The board tools over the real socket with the SDK's client: each one's success, its bad
/// arguments, and the Runtime API's error codes it passes on.
@Suite(.serialized) struct MCPBoardToolTests {
    @Test func serverInfoAndProjects() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        let storeId = harness.store.storeId
        let database = harness.endpoint.databasePath
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                let info = try await client.succeed("server_info")
                #expect(info.object["store_id"] as? String == storeId && info.object["database_path"] as? String == database)
                #expect(info.object["pid"] as? Int == Int(getpid()) && info.object["version"] as? String == "test")
                #expect(info.object["live"] as? Bool == true && info.object["started_at"] is String)
                #expect(info.meta["store_id"] as? String == storeId && info.meta["change_seq"] is Int)
                #expect(Set(info.envelope.keys) == ["ok", "data", "meta"])
                let extra = try await client.fail("server_info", ["verbose": true], code: "invalid_value")
                #expect(extra == "unknown argument 'verbose' for server_info; it takes none")

                #expect(try await client.succeed("list_projects").list.map { $0["key"] as? String } == ["KAN", "MEM"])
                try await client.fail("list_projects", ["all": true], code: "invalid_value")
                let created = try await client.succeed("create_project", ["name": "New one", "key": "new", "description": "d"])
                #expect(created.object["key"] as? String == "NEW" && created.object["provider"] as? String == "kanban")
                let seqBefore = created.meta["change_seq"] as? Int ?? 0
                #expect(seqBefore > 0, "the create is in the board change log")
                try await client.fail("create_project", ["name": "New one"], code: "duplicate_project")
                #expect(try await client.fail("create_project", [:], code: "invalid_value") == "missing required argument 'name'")
                #expect(
                    try await client.fail("create_project", ["name": 3], code: "invalid_value") == "argument 'name' must be a string, got 3")
                try await client.fail("create_project", ["name": "Bad key", "key": "1X"], code: "invalid_value")
                try await client.fail("create_project", ["name": "Jira", "provider": "jira"], code: "unknown_provider")
                try await client.fail("create_project", ["name": "x", "settings": ["a": 1]], code: "invalid_value")

                let renamed = try await client.succeed("update_project", ["project": "new", "name": "Renamed"])
                #expect(renamed.object["name"] as? String == "Renamed")
                try await client.fail("update_project", ["project": "NOPE", "name": "x"], code: "project_not_found")
                try await client.fail("update_project", ["project": "NEW", "name": "Kanban"], code: "duplicate_project")
                #expect(try await client.fail("update_project", ["project": "NEW"], code: "invalid_value").contains("'name' or 'description'"))

                let overview = try await client.succeed("board_overview")
                #expect((overview.object["by_lifecycle_state"] as? [String: Int])?.count == 9)
                #expect((overview.object["projects"] as? [Any])?.count == 3)
                try await client.fail("board_overview", ["project": "KAN"], code: "invalid_value")

                #expect(try await client.succeed("delete_project", ["project": "Renamed"]).object["key"] as? String == "NEW")
                try await client.fail("delete_project", ["project": "NEW"], code: "project_not_found")
                try await client.fail("delete_project", [:], code: "invalid_value")

                let unknown = try await client.tool("no_such_tool")
                #expect(unknown.isError && unknown.code == "unknown_tool")
            }
        }
    }

    @Test func issuesListAndPaging() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                // Backlog is not an active state: nothing is dispatched.
                for (title, priority) in [("first bug", 2), ("second bug", 1), ("a feature", 3)] {
                    let created = try await client.succeed(
                        "create_issue",
                        ["project": "KAN", "title": .string(title), "priority": .int(priority), "state": "backlog", "labels": ["Bug"]])
                    #expect(created.object["state"] as? String == "backlog" && created.object["labels"] as? [String] == ["bug"])
                }
                #expect(
                    try await client.fail("create_issue", ["project": "KAN", "title": "x", "priority": 9], code: "invalid_value")
                        == "argument 'priority' must be at most 4, got 9")
                #expect(try await client.fail("create_issue", ["project": "KAN"], code: "invalid_value") == "missing required argument 'title'")
                try await client.fail("create_issue", ["project": "KAN", "title": " "], code: "invalid_value")
                try await client.fail("create_issue", ["project": "KAN", "title": "x", "state": "shipped"], code: "invalid_state")
                try await client.fail("create_issue", ["project": "NOPE", "title": "x"], code: "project_not_found")
                try await client.fail("create_issue", ["project": "KAN", "title": "x", "blocked_by": ["KAN-99"]], code: "issue_not_found")
                try await client.fail("create_issue", ["project": "KAN", "title": "x", "labels": "bug"], code: "invalid_value")
                try await client.fail("create_issue", ["project": "KAN", "title": "x", "blocked_by": ["KAN-4"]], code: "blocker_cycle")

                let issue = try await client.succeed("get_issue", ["identifier": "kan-1"])
                #expect(
                    issue.object["identifier"] as? String == "KAN-1"
                        && (issue.object["lifecycle"] as? [String: Any])?["state"] as? String == "released")
                try await client.fail("get_issue", ["identifier": "KAN-99"], code: "issue_not_found")
                try await client.fail("get_issue", ["identifier": ["KAN-1"]], code: "invalid_value")

                let first = try await client.succeed("list_issues", ["project": "KAN", "limit": 2])
                #expect(first.items.map { $0["identifier"] as? String } == ["KAN-2", "KAN-1"], "dispatch order: priority first")
                let cursor = try #require(first.object["next_cursor"] as? String)
                let page = try await client.succeed("list_issues", ["project": "KAN", "limit": 2, "cursor": .string(cursor)])
                #expect(page.items.map { $0["identifier"] as? String } == ["KAN-3"])
                #expect(page.object["next_cursor"] is NSNull)
                let found = try await client.succeed(
                    "list_issues", ["search": "FEATURE", "lifecycle": "released", "label": "bug", "state": "backlog"])
                #expect(found.items.map { $0["identifier"] as? String } == ["KAN-3"])
                let newest = try await client.succeed("list_issues", ["sort": "created", "limit": 2])
                #expect(newest.items.map { $0["identifier"] as? String } == ["KAN-3", "KAN-2"])
                let older = try await client.succeed(
                    "list_issues", ["sort": "created", "limit": 2, "cursor": .string(newest.object["next_cursor"] as? String ?? "")])
                #expect(older.items.map { $0["identifier"] as? String } == ["KAN-1"])
                try await client.fail("list_issues", ["sort": "updated", "cursor": .string(cursor)], code: "invalid_value")
                try await client.fail("list_issues", ["sort": "random"], code: "invalid_value")
                try await client.fail("list_issues", ["lifecycle": "sleeping"], code: "invalid_value")
                try await client.fail("list_issues", ["limit": 0], code: "invalid_value")
                try await client.fail("list_issues", ["cursor": "garbage"], code: "invalid_value")
                try await client.fail("list_issues", ["state": "shipped"], code: "invalid_state")
                try await client.fail("list_issues", ["project": "NOPE"], code: "project_not_found")
            }
        }
    }

    @Test func issueEditsMovesBlockersAndDeletes() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                for title in ["one", "two", "three"] {
                    try await client.succeed("create_issue", ["project": "KAN", "title": .string(title), "state": "backlog"])
                }
                // Not active: no run commits anything while the test compares change_seq.
                try await client.succeed("create_issue", ["project": "MEM", "title": "remote", "state": "cancelled"])
                let updated = try await client.succeed("update_issue", ["identifier": "KAN-1", "title": "One", "add_labels": ["ui"], "priority": 2])
                #expect(updated.object["title"] as? String == "One" && updated.object["priority"] as? Int == 2)
                #expect(try await client.succeed("update_issue", ["identifier": "KAN-1", "clear_priority": true]).object["priority"] is NSNull)
                try await client.fail("update_issue", ["identifier": "KAN-1"], code: "invalid_value")
                try await client.fail("update_issue", ["identifier": "KAN-1", "clear_priority": "yes"], code: "invalid_value")
                try await client.fail("update_issue", ["identifier": "KAN-9", "title": "x"], code: "issue_not_found")
                try await client.fail("update_issue", ["identifier": "MEM-1", "title": "x"], code: "unsupported_by_provider")
                try await client.succeed("update_issue", ["identifier": "KAN-1", "add_blockers": ["KAN-3"]])
                try await client.fail("update_issue", ["identifier": "KAN-3", "add_blockers": ["KAN-1"]], code: "blocker_cycle")
                try await client.succeed("update_issue", ["identifier": "KAN-1", "remove_blockers": ["KAN-3"]])

                let blocked = try await client.succeed("set_blockers", ["identifier": "KAN-2", "blockers": ["kan-1", "KAN-3"]])
                #expect((blocked.object["blocked_by"] as? [[String: Any]])?.compactMap { $0["identifier"] as? String } == ["KAN-1", "KAN-3"])
                let seq = blocked.meta["change_seq"] as? Int
                let same = try await client.succeed("set_blockers", ["identifier": "KAN-2", "blockers": ["KAN-3", "KAN-1"]])
                #expect(same.meta["change_seq"] as? Int == seq, "the same blockers again write nothing")
                let fewer = try await client.succeed("set_blockers", ["identifier": "KAN-2", "blockers": ["KAN-3"]])
                #expect((fewer.object["blocked_by"] as? [[String: Any]])?.compactMap { $0["identifier"] as? String } == ["KAN-3"])
                try await client.fail("set_blockers", ["identifier": "KAN-3", "blockers": ["KAN-2"]], code: "blocker_cycle")
                try await client.fail("set_blockers", ["identifier": "KAN-2", "blockers": ["KAN-77"]], code: "issue_not_found")
                try await client.fail("set_blockers", ["identifier": "KAN-2"], code: "invalid_value")
                try await client.fail("set_blockers", ["identifier": "MEM-1", "blockers": ["KAN-1"]], code: "unsupported_by_provider")
                try await client.fail("update_issue", ["identifier": "KAN-2", "remove_blockers": ["KAN-1"]], code: "invalid_value")
                let none = try await client.succeed("set_blockers", ["identifier": "KAN-2", "blockers": []])
                #expect((none.object["blocked_by"] as? [Any])?.isEmpty == true)

                let moved = try await client.succeed("move_issue", ["identifier": "KAN-3", "state": "Cancelled"])
                #expect(moved.object["state"] as? String == "cancelled")
                try await client.fail("move_issue", ["identifier": "KAN-3", "state": "shipped"], code: "invalid_state")
                try await client.fail("move_issue", ["identifier": "KAN-3"], code: "invalid_value")
                try await client.fail("move_issue", ["identifier": "KAN-9", "state": "todo"], code: "issue_not_found")

                try await client.succeed("add_comment", ["identifier": "KAN-1", "body": "looks good", "author": "ana"])
                let comment = try await client.succeed("add_comment", ["identifier": "KAN-1", "body": "second"])
                #expect(comment.object["author"] as? String == "mcp")
                let comments = try await client.succeed("list_comments", ["identifier": "KAN-1"])
                #expect(comments.list.map { $0["body"] as? String } == ["looks good", "second"])
                try await client.fail("add_comment", ["identifier": "KAN-1", "body": "  "], code: "invalid_value")
                try await client.fail("add_comment", ["identifier": "KAN-9", "body": "x"], code: "issue_not_found")
                try await client.fail("list_comments", ["identifier": "KAN-9"], code: "issue_not_found")
                try await client.fail("list_comments", [:], code: "invalid_value")

                #expect(try await client.succeed("delete_issue", ["identifier": "KAN-2"]).object["identifier"] as? String == "KAN-2")
                try await client.fail("delete_issue", ["identifier": "KAN-2"], code: "issue_not_found")
                try await client.fail("delete_issue", ["identifier": "MEM-1"], code: "unsupported_by_provider")
                try await client.fail("delete_issue", ["identifier": 2], code: "invalid_value")
            }
        }
    }

    /// A project whose tracker this maestro lacks (written by another build, say): its commands
    /// say so.
    @Test func aProjectOfAnUnknownTrackerIsRefused() async throws {
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        _ = try await harness.board.createProject(NewProject(name: "Ghost", key: "GH", provider: "ghost"))
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                try await client.fail("create_issue", ["project": "GH", "title": "x"], code: "unknown_provider")
                try await client.fail("delete_project", ["project": "GH"], code: "unknown_provider")
                #expect(try await client.succeed("list_projects").list.contains { $0["provider"] as? String == "ghost" })
            }
        }
    }
}
