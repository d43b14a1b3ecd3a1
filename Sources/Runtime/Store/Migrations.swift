import GRDB

/// The store's schema, as an append-only list of migrations. Never edit a shipped migration: add one.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try createVersion1(db) }
        migrator.registerMigration("v2") { db in try migrateToVersion2(db) }
        migrator.registerMigration("v3") { db in try migrateToVersion3(db) }
        migrator.registerMigration("v4") { db in try migrateToVersion4(db) }
        return migrator
    }

    /// Identifiers of every migration this build knows, oldest first.
    static var identifiers: [String] { migrator.migrations }

    private static func createVersion1(_ db: Database) throws {
        try db.create(table: "metadata") { t in
            t.primaryKey("key", .text)
            t.column("value", .text).notNull()
        }
        try db.create(table: "project") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("key", .text).notNull().unique()
            t.column("name", .text).notNull().unique()
            t.column("description", .text)
            t.column("nextNumber", .integer).notNull().defaults(to: 1)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(table: "issue") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("project", onDelete: .cascade).notNull()
            t.column("identifier", .text).notNull().unique()
            t.column("title", .text).notNull()
            t.column("description", .text)
            t.column("priority", .integer)
            t.column("trackerState", .text).notNull()
            t.column("labels", .jsonText).notNull().defaults(to: "[]")
            t.column("assignee", .text)
            t.column("url", .text)
            t.column("branchName", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("updatedAt", .datetime).notNull()
            t.column("lifecycleState", .text).notNull().defaults(to: "queued")
            t.column("version", .integer).notNull().defaults(to: 0)
            t.column("attempt", .integer).notNull().defaults(to: 0)
            t.column("phase", .text).notNull().defaults(to: "implementation")
            t.column("blockReason", .text)
            t.column("dueAt", .datetime)
            t.column("lastError", .text)
        }
        // No index on lifecycle columns: every transition changes them, and an index would add a page
        // write to each; scanning 10,000 issues per orchestrator tick costs about a millisecond.
        try db.create(index: "issue_project_state", on: "issue", columns: ["projectId", "trackerState"])
        try db.create(table: "issueBlocker") { t in
            t.belongsTo("issue", onDelete: .cascade).notNull()
            t.belongsTo("blocker", inTable: "issue", onDelete: .cascade).notNull()
            t.primaryKey(["issueId", "blockerId"])
        }
        try db.create(table: "comment") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("issue", onDelete: .cascade).notNull()
            t.column("author", .text).notNull()
            t.column("body", .text).notNull()
            t.column("createdAt", .datetime).notNull()
        }
        // The log outlives deleted issues: no foreign key, and (issueId, version) is unique. Rows are
        // never deleted, so a plain rowid key grows monotonically without AUTOINCREMENT's extra page
        // write per insert.
        try db.create(table: "transition") { t in
            t.primaryKey("seq", .integer)
            t.column("issueId", .integer).notNull()
            t.column("identifier", .text).notNull()
            t.column("version", .integer).notNull()
            t.column("fromState", .text).notNull()
            t.column("toState", .text).notNull()
            t.column("event", .text).notNull()
            t.column("attempt", .integer).notNull()
            t.column("payload", .jsonText).notNull().defaults(to: "{}")
            t.column("at", .datetime).notNull()
            t.uniqueKey(["issueId", "version"])
        }
        try db.create(table: "workspace") { t in
            t.primaryKey("issueId", .integer).references("issue", onDelete: .cascade)
            t.column("key", .text).notNull()
            t.column("path", .text).notNull()
            t.column("createdAt", .datetime).notNull()
            t.column("lastUsedAt", .datetime).notNull()
            t.column("removedAt", .datetime)
        }
        try db.create(table: "session") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("issue", onDelete: .cascade).notNull()
            t.column("phase", .text).notNull()
            t.column("threadId", .text)
            t.column("turnCount", .integer).notNull().defaults(to: 0)
            t.column("pid", .integer)
            t.column("processStartTime", .integer)
            t.column("inputTokens", .integer).notNull().defaults(to: 0)
            t.column("outputTokens", .integer).notNull().defaults(to: 0)
            t.column("totalTokens", .integer).notNull().defaults(to: 0)
            t.column("lastEvent", .text)
            t.column("lastEventAt", .datetime)
            t.column("lastMessage", .text)
            t.column("startedAt", .datetime).notNull()
            t.column("endedAt", .datetime)
            t.column("outcome", .text)
        }
        try db.create(table: "operatorCommand") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("issue", onDelete: .cascade).notNull()
            t.column("command", .text).notNull()
            t.column("payload", .jsonText).notNull().defaults(to: "{}")
            t.column("status", .text).notNull().defaults(to: "pending")
            t.column("result", .text)
            t.column("createdAt", .datetime).notNull()
            t.column("handledAt", .datetime)
        }
        try db.create(index: "operatorCommand_status", on: "operatorCommand", columns: ["status", "id"])
        try db.create(table: "runtimeEvent") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("issueId", .integer)
            t.column("sessionId", .integer)
            t.column("kind", .text).notNull()
            t.column("message", .text).notNull()
            t.column("at", .datetime).notNull()
        }
        try db.create(index: "runtimeEvent_issue", on: "runtimeEvent", columns: ["issueId", "id"])
        try db.create(table: "adapterCursor") { t in
            t.primaryKey("name", .text)
            t.column("seq", .integer).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
    }

    /// Trackers per project, the board change log, and the agents' pending requests.
    ///
    /// - `project.provider` names the tracker that owns the project's issues (`kanban` for every
    ///   existing project), `externalId` its id there, `settings` its non-secret options (JSON).
    /// - `issue.externalId` is the tracker's own id (a kanban issue's is its identifier), unique per
    ///   project; `visible` is 0 once a remote tracker no longer shows the issue (never deleted
    ///   silently); `externalBlockers` holds blockers that are not rows of this store.
    /// - `boardChange` is the log of every create, edit, move, comment and delete. Its `seq` and the
    ///   transition log's `seq` are drawn from one sequence, so a reader of both resumes from one number.
    /// - `agentRequest` keeps the questions and approvals agents wait on, so every process can show
    ///   them and address an answer to one of them.
    private static func migrateToVersion2(_ db: Database) throws {
        try db.alter(table: "project") { t in
            t.add(column: "provider", .text).notNull().defaults(to: "kanban")
            t.add(column: "externalId", .text)
            t.add(column: "settings", .jsonText).notNull().defaults(to: "{}")
        }
        try db.alter(table: "issue") { t in
            t.add(column: "externalId", .text)
            t.add(column: "visible", .boolean).notNull().defaults(to: true)
            t.add(column: "externalBlockers", .jsonText).notNull().defaults(to: "[]")
        }
        try db.execute(sql: "UPDATE issue SET externalId = identifier")
        try db.create(index: "issue_project_external", on: "issue", columns: ["projectId", "externalId"], options: .unique)
        try db.create(table: "boardChange") { t in
            t.primaryKey("seq", .integer)
            t.column("kind", .text).notNull()
            t.column("projectId", .integer)
            t.column("issueId", .integer)
            t.column("project", .text)
            t.column("identifier", .text)
            t.column("payload", .jsonText).notNull().defaults(to: "{}")
            // 1 when the writer applied the lifecycle consequences in the same transaction.
            t.column("reconciled", .boolean).notNull().defaults(to: false)
            t.column("at", .datetime).notNull()
        }
        try db.create(table: "agentRequest") { t in
            t.autoIncrementedPrimaryKey("id")
            t.belongsTo("issue", onDelete: .cascade).notNull()
            t.column("sessionId", .integer)
            t.column("requestId", .text).notNull()
            t.column("kind", .text).notNull()
            t.column("summary", .text).notNull()
            t.column("detail", .jsonText).notNull().defaults(to: "{}")
            t.column("createdAt", .datetime).notNull()
            t.column("resolvedAt", .datetime)
            t.column("resolution", .text)
        }
        try db.create(index: "agentRequest_open", on: "agentRequest", columns: ["issueId", "resolvedAt"])
    }

    /// Version 3: partial indexes over the issues that wait (retrying, blocked). Every tick and every
    /// `GET /api/v1/state` looks for them; they are few, so only a transition into or out of those
    /// states writes an index page, and the lifecycle columns stay unindexed otherwise (see v1).
    /// Queries go through ``IssueRecord/waiting(_:)``, which repeats the index's term.
    private static func migrateToVersion3(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX issue_retrying ON issue(dueAt) WHERE lifecycleState = 'retrying';
                CREATE INDEX issue_blocked ON issue(updatedAt) WHERE lifecycleState = 'blocked';
                """)
    }

    /// Version 4: `issue.trackerUpdatedAt`, the remote tracker's own time of the last change
    /// mirrored, so a read that a later write overtook cannot put the older copy back.
    private static func migrateToVersion4(_ db: Database) throws {
        try db.alter(table: "issue") { t in t.add(column: "trackerUpdatedAt", .datetime) }
    }
}
