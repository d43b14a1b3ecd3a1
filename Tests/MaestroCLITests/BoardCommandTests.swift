import Foundation
import Testing

/// `maestro project …` and `maestro issue …` against a real database file, through the real binary.
///
/// No daemon runs here: board commands write tracker facts (state, labels, blockers, edits) and
/// leave lifecycle decisions to the daemon, so an issue's lifecycle stays as it was. The daemon's
/// side of that contract is tested in AdaptersTests (DaemonProcessTests).
@Suite struct BoardCommandTests {
    static let projectKeys = [
        "created_at", "description", "external_id", "issue_count", "key", "name", "provider", "settings", "updated_at",
    ]
    static let issueKeys = [
        "assignee", "blocked_by", "branch_name", "created_at", "description", "id", "identifier", "labels", "lifecycle", "priority",
        "project", "provider", "state", "title", "updated_at", "url", "visible",
    ]
    static let lifecycleKeys = ["attempt", "block_reason", "due_at", "last_error", "phase", "state", "version"]

    // MARK: - Projects

    @Test func projectCommandsPrintHumanOutput() async throws {
        let sandbox = try BoardSandbox()
        #expect(
            try await sandbox.ok("project", "create", "Maestro", "--key", "mae", "--description", "the core")
                == "Created project MAE (Maestro)\n")
        #expect(try await sandbox.ok("project", "create", "Ops") == "Created project OPS (Ops)\n")
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "a")
        try await sandbox.ok("issue", "create", "--project", "Maestro", "--title", "b", "--state", "done")
        #expect(
            try await sandbox.ok("project", "list") == """
                KEY  NAME     TRACKER  ISSUES  DESCRIPTION
                MAE  Maestro  kanban   2       the core
                OPS  Ops      kanban   0       \("")

                """)
        #expect(
            try await sandbox.ok("project", "show", "mae") == """
                MAE  Maestro
                the core

                  backlog        0
                  todo           1
                  in_progress    0
                  human_review   0
                  done           1
                  cancelled      0

                """)
        #expect(try await sandbox.ok("project", "show", "Ops").hasPrefix("OPS  Ops\n\n  backlog        0\n"))
        #expect(
            try await sandbox.ok("project", "update", "ops", "--name", "Operations", "--description", "on call")
                == "Updated project OPS (Operations)\n")
        #expect(try await sandbox.ok("project", "delete", "Maestro") == "Deleted project MAE\n")
        #expect(
            try await sandbox.ok("project", "list")
                == "KEY  NAME        TRACKER  ISSUES  DESCRIPTION\nOPS  Operations  kanban   0       on call\n")
        #expect(try await sandbox.ok("issue", "list") == "No issues.\n")
        try await sandbox.ok("project", "delete", "OPS")
        #expect(try await sandbox.ok("project", "list") == "No projects. Create one with `maestro project create NAME`.\n")
    }

    @Test func projectCommandsPrintJSON() async throws {
        let sandbox = try BoardSandbox()
        let created = try await sandbox.object("project", "create", "Maestro", "--key", "MAE", "--description", "the core")
        #expect(keys(created) == Self.projectKeys)
        #expect(created["key"] as? String == "MAE")
        #expect(created["name"] as? String == "Maestro")
        #expect(created["description"] as? String == "the core")
        #expect(created["provider"] as? String == "kanban")
        #expect(created["issue_count"] as? Int == 0)
        #expect((created["settings"] as? [String: Any])?.isEmpty == true)
        #expect(isTimestamp(created["created_at"]) && isTimestamp(created["updated_at"]))

        // Absent optional fields are null, never left out.
        let plain = try await sandbox.object("project", "create", "Ops Team")
        #expect(keys(plain) == Self.projectKeys)
        #expect(plain["description"] is NSNull && plain["external_id"] is NSNull)
        #expect(plain["key"] as? String == "OT")

        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "a")
        let list = try #require(try await sandbox.json("project", "list") as? [[String: Any]])
        #expect(list.map { $0["key"] as? String } == ["MAE", "OT"])
        #expect(list.map { $0["issue_count"] as? Int } == [1, 0])
        #expect(list.first?["created_at"] as? String == created["created_at"] as? String)

        let show = try await sandbox.object("project", "show", "MAE")
        #expect(keys(show) == ["issues", "project"])
        #expect(keys(show["project"]) == Self.projectKeys)
        #expect((show["project"] as? [String: Any])?["issue_count"] as? Int == 1)
        let issues = try #require(show["issues"] as? [[String: Any]])
        #expect(issues.map { $0["identifier"] as? String } == ["MAE-1"])
        #expect(keys(issues.first) == Self.issueKeys)

        let updated = try await sandbox.object("project", "update", "MAE", "--name", "Maestro Core")
        #expect(keys(updated) == Self.projectKeys)
        #expect(updated["name"] as? String == "Maestro Core")
        #expect(updated["description"] as? String == "the core")
        #expect(updated["created_at"] as? String == created["created_at"] as? String)

        let deleted = try await sandbox.object("project", "delete", "ot")
        #expect(keys(deleted) == Self.projectKeys)
        #expect(deleted["key"] as? String == "OT")
        #expect((try await sandbox.json("project", "list") as? [[String: Any]])?.map { $0["key"] as? String } == ["MAE"])
        _ = try await sandbox.object("project", "delete", "MAE")
        #expect((try await sandbox.json("project", "list") as? [Any])?.isEmpty == true)
    }

    // MARK: - Issues

    @Test func issueCommandsPrintHumanOutput() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        #expect(
            try await sandbox.ok(
                "issue", "create", "--project", "MAE", "--title", "First issue", "--priority", "2", "--label", "Bug", "--label",
                " ui") == "Created MAE-1: First issue (todo, queued)\n")
        // Blocked by an unfinished issue: the fact is recorded; releasing the issue is the daemon's call.
        #expect(
            try await sandbox.ok("issue", "create", "--project", "mae", "--title", "Second", "--blocked-by", "mae-1")
                == "Created MAE-2: Second (todo, queued)\n")
        #expect(
            try await sandbox.ok("issue", "list") == """
                ID     STATE  LIFECYCLE  PRI  TITLE        LABELS
                MAE-1  todo   queued     2    First issue  bug,ui
                MAE-2  todo   queued     -    Second       \("")

                """)
        // The tracker state moves; the lifecycle waits for the daemon.
        #expect(try await sandbox.ok("issue", "move", "mae-1", "DONE") == "MAE-1 -> done (queued)\n")
        #expect(try await sandbox.ok("issue", "update", "MAE-2", "--title", "Renamed", "--add-label", "X") == "Updated MAE-2 (queued)\n")
        #expect(try await sandbox.ok("issue", "comment", "mae-2", "looks good", "--author", "ana") == "Commented on MAE-2\n")
        #expect(try await sandbox.ok("issue", "delete", "MAE-1") == "Deleted MAE-1\n")
        #expect(
            try await sandbox.ok("issue", "list") == """
                ID     STATE  LIFECYCLE  PRI  TITLE    LABELS
                MAE-2  todo   queued     -    Renamed  x

                """)
    }

    @Test func issueShowPrintsTheIssueItsCommentsAndItsHistory() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "Blocker")
        try await sandbox.ok(
            "issue", "create", "--project", "MAE", "--title", "Second", "--description", "Some details.", "--priority", "3",
            "--label", "bug", "--label", "UI", "--blocked-by", "MAE-1")
        try await sandbox.ok("issue", "move", "MAE-1", "done")
        try await sandbox.ok("issue", "comment", "MAE-2", "looks good", "--author", "ana")
        try await sandbox.ok("issue", "comment", "MAE-2", "second thought")
        // Without a daemon nothing judged the facts: no transitions yet (the daemon's history is
        // shown in DaemonProcessTests and DaemonEndToEndTests).
        #expect(
            maskingTimes(try await sandbox.ok("issue", "show", "mae-2")) == """
                MAE-2  Second
                project:    MAE (kanban)
                state:      todo
                lifecycle:  queued (version 0, phase implementation, failures in a row 0)
                priority:   3
                labels:     bug, ui
                blocked by: MAE-1 (done)
                sessions:   0 (tokens: 0 total)
                commands:   cancel, pause

                Some details.

                Comments:
                  <time>  ana: looks good
                  <time>  operator: second thought

                History:
                  (no transitions)

                """)
        #expect(
            maskingTimes(try await sandbox.ok("issue", "show", "MAE-1")) == """
                MAE-1  Blocker
                project:    MAE (kanban)
                state:      done
                lifecycle:  queued (version 0, phase implementation, failures in a row 0)
                priority:   none
                labels:     none
                blocked by: none
                sessions:   0 (tokens: 0 total)
                commands:   cancel, pause

                History:
                  (no transitions)

                """)
    }

    @Test func issueCommandsPrintJSON() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")

        let first = try await sandbox.object(
            "issue", "create", "--project", "MAE", "--title", "First", "--description", "Body", "--priority", "1", "--label",
            "Bug", "--label", "bug ")
        #expect(keys(first) == Self.issueKeys)
        #expect(first["id"] as? String == "MAE-1")
        #expect(first["identifier"] as? String == "MAE-1")
        #expect(first["project"] as? String == "MAE")
        #expect(first["provider"] as? String == "kanban")
        #expect(first["title"] as? String == "First")
        #expect(first["description"] as? String == "Body")
        #expect(first["priority"] as? Int == 1)
        #expect(first["state"] as? String == "todo")
        #expect(first["labels"] as? [String] == ["bug"])
        #expect((first["blocked_by"] as? [Any])?.isEmpty == true)
        #expect(first["assignee"] is NSNull && first["url"] is NSNull && first["branch_name"] is NSNull)
        #expect(first["visible"] as? Bool == true)
        #expect(isTimestamp(first["created_at"]) && isTimestamp(first["updated_at"]))
        let lifecycle = try #require(first["lifecycle"] as? [String: Any])
        #expect(keys(lifecycle) == Self.lifecycleKeys)
        #expect(lifecycle["state"] as? String == "queued")
        #expect(lifecycle["version"] as? Int == 0)
        #expect(lifecycle["attempt"] as? Int == 0)
        #expect(lifecycle["phase"] as? String == "implementation")
        #expect(lifecycle["block_reason"] is NSNull && lifecycle["due_at"] is NSNull && lifecycle["last_error"] is NSNull)

        // Blockers are objects; an unfinished blocker is a fact, and the lifecycle is left to the daemon.
        let second = try await sandbox.object(
            "issue", "create", "--project", "MAE", "--title", "Second", "--blocked-by", "mae-1", "--blocked-by", "MAE-1")
        #expect((second["blocked_by"] as? [[String: String]]) == [["id": "MAE-1", "identifier": "MAE-1", "state": "todo"]])
        #expect((second["lifecycle"] as? [String: Any])?["state"] as? String == "queued")
        #expect((second["lifecycle"] as? [String: Any])?["version"] as? Int == 0)
        #expect(second["description"] is NSNull && second["priority"] is NSNull)

        let list = try await sandbox.object("issue", "list")
        #expect(keys(list) == ["items", "next_cursor"])
        #expect(list["next_cursor"] is NSNull)
        let items = try #require(list["items"] as? [[String: Any]])
        #expect(items.map { $0["identifier"] as? String } == ["MAE-1", "MAE-2"])
        #expect(keys(items.last) == Self.issueKeys)

        let moved = try await sandbox.object("issue", "move", "MAE-1", "Done")
        #expect(keys(moved) == Self.issueKeys)
        #expect(moved["state"] as? String == "done")
        #expect((moved["lifecycle"] as? [String: Any])?["state"] as? String == "queued")
        let blocker = try await sandbox.object("issue", "show", "MAE-2")
        #expect(((blocker["issue"] as? [String: Any])?["blocked_by"] as? [[String: String]])?.first?["state"] == "done")

        let updated = try await sandbox.object("issue", "update", "MAE-2", "--priority", "4", "--add-label", "UI", "--remove-blocker", "MAE-1")
        #expect(keys(updated) == Self.issueKeys)
        #expect(updated["priority"] as? Int == 4)
        #expect(updated["labels"] as? [String] == ["ui"])
        #expect((updated["blocked_by"] as? [Any])?.isEmpty == true)
        #expect((updated["lifecycle"] as? [String: Any])?["state"] as? String == "queued")
        let cleared = try await sandbox.object("issue", "update", "MAE-2", "--priority", "0")
        #expect(keys(cleared) == Self.issueKeys)
        #expect(cleared["priority"] is NSNull)

        let comment = try await sandbox.object("issue", "comment", "MAE-2", "done soon", "--author", "bot")
        #expect(keys(comment) == ["author", "body", "created_at", "id", "issue"])
        #expect(comment["author"] as? String == "bot")
        #expect(comment["body"] as? String == "done soon")
        #expect(comment["issue"] as? String == "MAE-2")
        #expect(isTimestamp(comment["created_at"]))

        let show = try await sandbox.object("issue", "show", "mae-2")
        #expect(
            keys(show) == [
                "allowed_commands", "comments", "issue", "pending_requests", "recent_events", "sessions", "tokens", "transitions", "workspace",
            ])
        #expect(keys(show["issue"]) == Self.issueKeys)
        #expect((show["issue"] as? [String: Any])?["identifier"] as? String == "MAE-2")
        #expect((show["sessions"] as? [Any])?.isEmpty == true)
        #expect((show["pending_requests"] as? [Any])?.isEmpty == true)
        #expect((show["recent_events"] as? [Any])?.isEmpty == true)
        #expect(show["workspace"] is NSNull)
        #expect((show["tokens"] as? [String: Int]) == ["input_tokens": 0, "output_tokens": 0, "total_tokens": 0])
        // Which operator commands the lifecycle would take now (judged by the default workflow's machine).
        #expect(show["allowed_commands"] as? [String] == ["cancel", "pause"])
        let comments = try #require(show["comments"] as? [[String: Any]])
        #expect(comments.map { $0["body"] as? String } == ["done soon"])
        #expect(comments.first?["created_at"] as? String == comment["created_at"] as? String)
        #expect(keys(comments.first) == ["author", "body", "created_at", "id", "issue"])
        // No daemon judged these facts: the history is empty.
        #expect((show["transitions"] as? [Any])?.isEmpty == true)

        let deleted = try await sandbox.object("issue", "delete", "MAE-1")
        #expect(deleted["identifier"] as? String == "MAE-1")
        #expect(keys(deleted) == Self.issueKeys)
        let remaining = try await sandbox.object("issue", "list")
        #expect((remaining["items"] as? [[String: Any]])?.map { $0["identifier"] as? String } == ["MAE-2"])
    }

    @Test func issueListFiltersAndPages() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        try await sandbox.ok("project", "create", "Ops", "--key", "OPS")
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "a", "--state", "backlog")
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "b", "--priority", "1", "--label", "Bug")
        try await sandbox.ok("issue", "create", "--project", "OPS", "--title", "c", "--priority", "2")
        let page = { (arguments: [String]) async throws -> (items: [String], next: String?) in
            let result = try await sandbox.run(["issue", "list", "--json"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let page = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let items = (page?["items"] as? [[String: Any]])?.compactMap { $0["identifier"] as? String } ?? ["?"]
            return (items, page?["next_cursor"] as? String)
        }
        let identifiers = { (arguments: [String]) async throws -> [String] in try await page(arguments).items }
        #expect(try await identifiers([]) == ["MAE-2", "OPS-1", "MAE-1"])
        #expect(try await identifiers(["--project", "Maestro"]) == ["MAE-2", "MAE-1"])
        #expect(try await identifiers(["--project", "mae"]) == ["MAE-2", "MAE-1"])
        #expect(try await identifiers(["--state", "TODO"]) == ["MAE-2", "OPS-1"])
        #expect(try await identifiers(["--project", "OPS", "--state", "backlog"]) == [])
        #expect(try await sandbox.ok("issue", "list", "--project", "OPS", "--state", "backlog") == "No issues.\n")
        #expect(try await identifiers(["--lifecycle", "QUEUED"]) == ["MAE-2", "OPS-1", "MAE-1"])
        #expect(try await identifiers(["--lifecycle", "released"]) == [])
        #expect(try await identifiers(["--label", "bug"]) == ["MAE-2"])
        #expect(try await identifiers(["--search", "ops-"]) == ["OPS-1"])

        // Pages follow the dispatch order, each naming where the next starts.
        let first = try await page(["--limit", "2"])
        #expect(first.items == ["MAE-2", "OPS-1"])
        let cursor = try #require(first.next)
        let second = try await page(["--limit", "2", "--cursor", cursor])
        #expect(second.items == ["MAE-1"])
        #expect(second.next == nil)
        let text = try await sandbox.ok("issue", "list", "--limit", "2")
        #expect(text.hasSuffix("\nMore: --cursor \(cursor)\n"))
    }

    @Test func operatorCommandsWithoutADaemonWaitInTheStore() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "a")
        #expect(
            try await sandbox.ok("issue", "pause", "mae-1")
                == "MAE-1: pause queued; no daemon runs on this database, `maestro run` applies it when it starts\n")
        let verdict = try await sandbox.object("issue", "retry", "MAE-1", "--wait", "0")
        #expect(keys(verdict) == ["command", "daemon", "error", "id", "issue", "status", "transition"])
        #expect(verdict["command"] as? String == "retry")
        #expect(verdict["issue"] as? String == "MAE-1")
        #expect(verdict["status"] as? String == "pending")
        #expect(verdict["daemon"] as? Bool == false)
        #expect(verdict["transition"] is NSNull && verdict["error"] is NSNull)
        // The lifecycle is untouched until a daemon applies them.
        let issue = try await sandbox.object("issue", "show", "MAE-1")
        #expect(((issue["issue"] as? [String: Any])?["lifecycle"] as? [String: Any])?["state"] as? String == "queued")
        #expect((issue["transitions"] as? [Any])?.isEmpty == true)
    }

    // MARK: - Errors

    struct Failure: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var code: String
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }

        init(_ arguments: [String], _ code: String, _ message: String) {
            self.arguments = arguments
            self.code = code
            self.message = message
        }
    }

    static let defaultStates = "backlog, todo, in_progress, human_review, done, cancelled"

    /// Run after a project MAE (Maestro) with MAE-1 and MAE-2 (blocked by MAE-1) exists.
    static let failures = [
        Failure(["issue", "create", "--project", "NOPE", "--title", "x"], "project_not_found", "no project 'NOPE'"),
        Failure(["issue", "list", "--project", "nope"], "project_not_found", "no project 'nope'"),
        Failure(["project", "show", "Nope"], "project_not_found", "no project 'Nope'"),
        Failure(["project", "delete", "NOPE"], "project_not_found", "no project 'NOPE'"),
        Failure(["issue", "show", "MAE-9"], "issue_not_found", "no issue 'MAE-9'"),
        Failure(["issue", "move", "mae-9", "todo"], "issue_not_found", "no issue 'mae-9'"),
        Failure(["issue", "update", "MAE-9", "--title", "x"], "issue_not_found", "no issue 'MAE-9'"),
        Failure(["issue", "update", "MAE-1", "--add-blocker", "MAE-9"], "issue_not_found", "no issue 'MAE-9'"),
        Failure(["issue", "create", "--project", "MAE", "--title", "x", "--blocked-by", "OPS-1"], "issue_not_found", "no issue 'OPS-1'"),
        Failure(["issue", "comment", "MAE-9", "hello"], "issue_not_found", "no issue 'MAE-9'"),
        Failure(["issue", "delete", "MAE-9"], "issue_not_found", "no issue 'MAE-9'"),
        Failure(
            ["issue", "move", "MAE-1", "shipped"], "invalid_state",
            "'shipped' is not a tracker state of this workflow (states: \(defaultStates))"),
        Failure(
            ["issue", "create", "--project", "MAE", "--title", "x", "--state", "Doing"], "invalid_state",
            "'Doing' is not a tracker state of this workflow (states: \(defaultStates))"),
        Failure(
            ["issue", "list", "--state", "archived"], "invalid_state",
            "'archived' is not a tracker state of this workflow (states: \(defaultStates))"),
        Failure(["issue", "update", "MAE-1", "--add-blocker", "MAE-2"], "blocker_cycle", "blockers would form a cycle: MAE-1 -> MAE-2 -> MAE-1"),
        Failure(["issue", "update", "mae-1", "--add-blocker", "mae-1"], "blocker_cycle", "blockers would form a cycle: MAE-1 -> MAE-1"),
        Failure(["project", "create", "Maestro", "--key", "OTHER"], "duplicate_project", "a project named or keyed 'Maestro' already exists"),
        Failure(["project", "create", "Other", "--key", "mae"], "duplicate_project", "a project named or keyed 'MAE' already exists"),
        Failure(
            ["project", "create", "Other", "--key", "1st"], "invalid_value",
            "project key '1ST' must be 1-10 ASCII letters or digits, starting with a letter; choose one with --key"),
        Failure(["project", "create", " "], "invalid_value", "a project needs a name"),
        Failure(
            ["issue", "create", "--project", "MAE", "--title", "x", "--priority", "9"], "invalid_value",
            "priority must be 1 (urgent) to 4 (low), got 9"),
        Failure(
            ["issue", "create", "--project", "MAE", "--title", "x", "--priority=-1"], "invalid_value",
            "priority must be 1 (urgent) to 4 (low), got -1"),
        Failure(["issue", "update", "MAE-1", "--priority", "5"], "invalid_value", "priority must be 1 (urgent) to 4 (low), got 5"),
        Failure(["issue", "create", "--project", "MAE", "--title", "  "], "invalid_value", "an issue needs a title"),
        Failure(["issue", "create", "--project", "MAE", "--title", ""], "invalid_value", "an issue needs a title"),
        Failure(["issue", "update", "MAE-1", "--title", " \n "], "invalid_value", "an issue needs a title"),
        Failure(["issue", "comment", "MAE-1", "  "], "invalid_value", "a comment needs a body"),
        Failure(["issue", "update", "MAE-1"], "invalid_value", "nothing to change: give a field, a label or a blocker"),
        Failure(["issue", "update", "MAE-1", "--remove-blocker", "MAE-2"], "invalid_value", "MAE-2 does not block MAE-1"),
        Failure(
            ["issue", "list", "--lifecycle", "waiting"], "invalid_value",
            "'waiting' is not a lifecycle state (states: queued, workspace, running, review, done, retrying, blocked, released, closed)"),
        Failure(["issue", "list", "--limit", "0"], "invalid_value", "limit must be at least 1, got 0"),
        Failure(["issue", "list", "--cursor", "MAE-1"], "invalid_value", "'MAE-1' is not a cursor this API returned"),
        Failure(["project", "update", "NOPE", "--name", "x"], "project_not_found", "no project 'NOPE'"),
        Failure(["project", "update", "MAE"], "invalid_value", "nothing to change: give a new name or description"),
        Failure(["project", "update", "MAE", "--name", " "], "invalid_value", "a project needs a name"),
        Failure(["issue", "pause", "MAE-9"], "issue_not_found", "no issue 'MAE-9'"),
        Failure(["issue", "answer", "MAE-1", "yes"], "not_awaiting_answer", "MAE-1 is not waiting for an answer"),
    ]

    /// A project and two issues, and the board's JSON as it stands.
    private func prepared(_ sandbox: BoardSandbox) async throws -> String {
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "one")
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "two", "--blocked-by", "MAE-1")
        return try await snapshot(sandbox)
    }

    /// Everything the board shows, to prove a failed command changed nothing.
    private func snapshot(_ sandbox: BoardSandbox) async throws -> String {
        let projects = try await sandbox.run(["project", "list", "--json"]).stdout
        let issues = try await sandbox.run(["issue", "list", "--json"]).stdout
        var details: [String] = []
        for identifier in ["MAE-1", "MAE-2"] { details.append(try await sandbox.run(["issue", "show", identifier, "--json"]).stdout) }
        return ([projects, issues] + details).joined(separator: "\n")
    }

    @Test(arguments: failures)
    func failuresExitOneWithACodedMessageAndChangeNothing(_ failure: Failure) async throws {
        let sandbox = try BoardSandbox()
        let before = try await prepared(sandbox)
        let result = try await sandbox.run(failure.arguments)
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(failure.message) [\(failure.code)]\n")
        #expect(result.stdout.isEmpty)
        #expect(try await snapshot(sandbox) == before)
    }

    @Test(arguments: failures)
    func failuresWithJSONPrintAnErrorEnvelope(_ failure: Failure) async throws {
        let sandbox = try BoardSandbox()
        let before = try await prepared(sandbox)
        let result = try await sandbox.run(failure.arguments + ["--json"])
        #expect(result.status == 1)
        #expect(result.stderr.isEmpty)
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(keys(envelope) == ["error"])
        #expect(keys(envelope["error"]) == ["code", "message"])
        #expect((envelope["error"] as? [String: String]) == ["code": failure.code, "message": failure.message])
        #expect(try await snapshot(sandbox) == before)
    }

    @Test(arguments: [
        ["issue", "create", "--project", "MAE", "--title", "x", "--priority", "high"],
        ["issue", "create", "--project", "MAE"],
        ["issue", "move", "MAE-1"],
        ["issue", "comment", "MAE-1"],
        ["project", "rename", "MAE"],
        ["project", "create", "X", "--colour", "red"],
        ["issue", "list", "--limit", "few"],
        ["issue", "pause"],
        ["issue", "pause", "MAE-1", "--wait", "soon"],
        ["issue", "answer", "MAE-1"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) async throws {
        let sandbox = try BoardSandbox()
        let result = try await sandbox.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Usage: maestro"))
    }

    // MARK: - The database file

    @Test func aFileThatIsNotSQLiteIsRefusedAndLeftUntouched() async throws {
        let sandbox = try BoardSandbox()
        let bytes = Data("this is a shopping list, not a database\n".utf8) + Data((0..<64).map { UInt8($0) })
        try bytes.write(to: URL(fileURLWithPath: sandbox.database))
        let message = "error: '\(sandbox.database)' is not a SQLite database; maestro left it untouched [not_a_database]\n"
        for arguments in [["project", "list"], ["project", "create", "Maestro"], ["issue", "list"]] {
            let result = try await sandbox.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr == message)
            #expect(result.stdout.isEmpty)
        }
        let json = try await sandbox.run(["issue", "create", "--project", "MAE", "--title", "x", "--json"])
        #expect(json.status == 1)
        let envelope = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: String]]
        #expect(envelope?["error"]?["code"] == "not_a_database")
        #expect(try Data(contentsOf: URL(fileURLWithPath: sandbox.database)) == bytes)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path)
        #expect(siblings == ["m.sqlite"])
    }

    @Test func maestroDBIsUsedWhenDbIsAbsent() async throws {
        let sandbox = try BoardSandbox()
        let fromEnvironment = sandbox.path("env/board.sqlite")
        let created = try await sandbox.run(
            ["project", "create", "Maestro", "--key", "MAE"], db: false, environment: ["MAESTRO_DB": fromEnvironment])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(FileManager.default.fileExists(atPath: fromEnvironment))
        #expect(!FileManager.default.fileExists(atPath: sandbox.path(".maestro")))
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))

        let listed = try await sandbox.run(["project", "list", "--json", "--db", fromEnvironment], db: false)
        let projects = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(projects?.map { $0["key"] as? String } == ["MAE"])

        // --db wins over MAESTRO_DB (and a read of a missing database creates none).
        let explicit = try await sandbox.run(["project", "list"], environment: ["MAESTRO_DB": fromEnvironment])
        #expect(explicit.status == 1 && explicit.stderr.hasSuffix("[no_database]\n"), "\(explicit.stderr)")
        #expect(explicit.stderr.contains("'\(sandbox.database)'"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }

    @Test func theDefaultDatabaseIsDotMaestroInTheCurrentDirectory() async throws {
        let sandbox = try BoardSandbox()
        let result = try await sandbox.run(["project", "create", "Maestro"], db: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: sandbox.path(".maestro/maestro.sqlite")))
        let listed = try await sandbox.run(["project", "list", "--db", sandbox.path(".maestro/maestro.sqlite")], db: false)
        #expect(listed.stdout.contains("MAES  Maestro  kanban   0"))
    }

    // MARK: - The workflow

    static let customWorkflow = """
        ---
        tracker:
          kind: kanban
          active_states: [Ready, Doing]
          terminal_states: [Shipped]
          required_labels: [agent]
          claim_state: Doing
          review_state: Review
          done_state: Shipped
          provider:
            columns: [Ideas, Ready, Doing, Review, Shipped]
        ---
        Work on {{ issue.identifier }}.

        """

    @Test func anExplicitWorkflowDecidesTheStates() async throws {
        let sandbox = try BoardSandbox()
        let workflow = try sandbox.write("custom.md", Self.customWorkflow)
        let run = { (arguments: [String]) async throws -> CLI.Result in try await sandbox.run(arguments + ["--workflow", workflow]) }
        #expect(try await run(["project", "create", "Maestro", "--key", "MAE"]).status == 0)
        // Without the required label the issue is not routable, but judging that is the daemon's call.
        #expect(try await run(["issue", "create", "--project", "MAE", "--title", "x"]).stdout == "Created MAE-1: x (Ready, queued)\n")
        #expect(try await run(["issue", "update", "MAE-1", "--add-label", "Agent"]).stdout == "Updated MAE-1 (queued)\n")
        #expect(try await run(["issue", "move", "MAE-1", "doing"]).stdout == "MAE-1 -> Doing (queued)\n")
        #expect(try await run(["issue", "move", "MAE-1", "SHIPPED"]).stdout == "MAE-1 -> Shipped (queued)\n")
        let refused = try await run(["issue", "move", "MAE-1", "todo"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "error: 'todo' is not a tracker state of this workflow (states: Ideas, Ready, Doing, Review, Shipped) [invalid_state]\n")
        #expect(
            try await run(["project", "show", "MAE"]).stdout
                == "MAE  Maestro\n\n  Ideas          0\n  Ready          0\n  Doing          0\n  Review         0\n  Shipped        1\n")
        // Without --workflow (and no ./WORKFLOW.md, no daemon) the default board applies, which has no "Shipped".
        let defaults = try await sandbox.run(["issue", "create", "--project", "MAE", "--title", "y", "--state", "Shipped"])
        #expect(defaults.status == 1)
        #expect(defaults.stderr == "error: 'Shipped' is not a tracker state of this workflow (states: \(Self.defaultStates)) [invalid_state]\n")
    }

    @Test func workflowMdInTheCurrentDirectoryIsTheDefault() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", Self.customWorkflow)
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        #expect(
            try await sandbox.ok("issue", "create", "--project", "MAE", "--title", "x", "--state", "ideas") == "Created MAE-1: x (Ideas, queued)\n")
        let invalid = try await sandbox.run(["issue", "move", "MAE-1", "backlog"])
        #expect(invalid.stderr.contains("(states: Ideas, Ready, Doing, Review, Shipped) [invalid_state]"))
    }

    @Test func aMissingExplicitWorkflowFailsAndCreatesNoDatabase() async throws {
        let sandbox = try BoardSandbox()
        let missing = sandbox.path("nope.md")
        let result = try await sandbox.run(["project", "list", "--workflow", missing])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr == """
                \(missing): error: cannot read workflow file '\(missing)' [missing_workflow_file]
                    hint: pass the path of a WORKFLOW.md, or run in a directory that has one

                """)
        let json = try await sandbox.run(["issue", "list", "--workflow", missing, "--json"])
        #expect(json.status == 1)
        let envelope = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: String]]
        #expect(envelope?["error"]?["code"] == "missing_workflow_file")
        #expect(envelope?["error"]?["message"]?.contains("cannot read workflow file '\(missing)'") == true)
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
    }

    @Test func anInvalidWorkflowInTheCurrentDirectoryIsReported() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", "---\ntracker:\n  kind: jira\n---\nx\n")
        let result = try await sandbox.run(["project", "list"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("WORKFLOW.md:3:9: error: tracker.kind 'jira' is not supported [unsupported_tracker_kind]\n"))
        let json = try await sandbox.run(["project", "list", "--json"])
        let envelope = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: String]]
        #expect(envelope?["error"]?["code"] == "unsupported_tracker_kind")
    }
}
