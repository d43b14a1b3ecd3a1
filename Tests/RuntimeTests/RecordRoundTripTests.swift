import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

/// Every table: write a record, read it back equal.
@Suite struct RecordRoundTripTests {
    /// SQLite keeps milliseconds as text; a whole second survives the round trip exactly.
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test func projectIssueBlockerAndComment() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let (project, issue, blocker, comment) = try await store.write { db in
            var project = ProjectRecord(key: "MAE", name: "maestro", description: "core", at: Self.now)
            try project.insert(db)
            var issue = IssueRecord(
                projectId: project.id!, identifier: "MAE-\(try project.allocateNumber(db))", title: "Title",
                description: "Body", priority: 2, trackerState: "todo", labels: [" Agent ", "agent", "", "UI"], at: Self.now)
            issue.assignee = "ada"
            issue.url = "https://example.invalid/MAE-1"
            issue.branchName = "mae-1"
            issue.phase = .review
            issue.blockReason = .paused
            issue.dueAt = Self.now
            issue.lastError = "boom"
            issue.trackerUpdatedAt = Self.now
            issue.visible = false
            issue.externalId = "a1b2"
            issue.externalBlockers = [ExternalBlocker(id: "x9", identifier: "WEB-4", state: nil)]
            try issue.insert(db)
            var other = IssueRecord(
                projectId: project.id!, identifier: "MAE-\(try project.allocateNumber(db))", title: "Other", description: nil,
                priority: nil, trackerState: "backlog", labels: [], at: Self.now)
            try other.insert(db)
            let blocker = IssueBlockerRecord(issueId: issue.id!, blockerId: other.id!)
            try blocker.insert(db)
            var comment = CommentRecord(issueId: issue.id!, author: "agent", body: "done?", at: Self.now)
            try comment.insert(db)
            return (project, issue, blocker, comment)
        }
        #expect(issue.labels == ["agent", "ui"])
        let read = try await store.read { db in
            (
                try ProjectRecord.fetchOne(db, key: project.id), try ProjectRecord.find("mae", in: db)?.nextNumber,
                try IssueRecord.fetchOne(db, key: issue.id), try IssueRecord.find("mae-1", in: db),
                try IssueBlockerRecord.fetchAll(db), try issue.blockers(db).map(\.identifier),
                try CommentRecord.fetchOne(db, key: comment.id)
            )
        }
        #expect(read.0 == project)
        #expect(read.1 == 3)
        #expect(read.2 == issue)
        #expect(read.3 == issue)
        #expect(read.4 == [blocker])
        #expect(read.5 == ["MAE-2"])
        #expect(read.6 == comment)
    }

    /// A lifecycle value this build does not know is an error naming the column, not a crash.
    @Test func anUnknownLifecycleValueIsAClearError() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let id = try await store.write { db in
            var project = ProjectRecord(key: "MAE", name: "maestro", description: nil, at: Self.now)
            try project.insert(db)
            var issue = IssueRecord(
                projectId: project.id!, identifier: "MAE-1", title: "t", description: nil, priority: nil, trackerState: "todo", labels: [],
                at: Self.now)
            try issue.insert(db)
            try db.execute(sql: "UPDATE issue SET lifecycleState = 'hibernating' WHERE id = ?", arguments: [issue.id])
            return issue.id!
        }
        await #expect { try await store.read { db in try IssueRecord.fetchOne(db, key: id) } } throws: { error in
            "\(error)".contains("'hibernating' in lifecycleState")
        }
    }

    @Test func runRecords() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issue = try await Fixtures.seed(store, issues: 1)[0]
        let (workspace, session, command, cursor) = try await store.write { db in
            var workspace = WorkspaceRecord(issueId: issue.id!, key: "T-1", path: "/tmp/ws/T-1", at: Self.now)
            workspace.removedAt = Self.now
            try workspace.insert(db)
            var session = SessionRecord(issueId: issue.id!, phase: .implementation, at: Self.now)
            session.threadId = "thread-1"
            session.turnCount = 3
            session.pid = 4242
            session.processStartTime = 123_456
            session.inputTokens = 10
            session.outputTokens = 20
            session.totalTokens = 30
            session.lastEvent = "turn/completed"
            session.lastEventAt = Self.now
            session.lastMessage = "ok"
            session.endedAt = Self.now
            session.outcome = "completed"
            try session.insert(db)
            var command = OperatorCommandRecord(issueId: issue.id!, command: .operatorAnswered, payload: #"{"answer":"yes"}"#, at: Self.now)
            try command.insert(db)
            let cursor = AdapterCursorRecord(name: "tracker", seq: 7, at: Self.now)
            try cursor.insert(db)
            return (workspace, session, command, cursor)
        }
        let read = try await store.read { db in
            (
                try WorkspaceRecord.fetchOne(db, key: issue.id), try SessionRecord.fetchOne(db, key: session.id),
                try SessionRecord.live.fetchCount(db), try OperatorCommandRecord.pending.fetchAll(db),
                try AdapterCursorRecord.fetchOne(db, key: "tracker")
            )
        }
        #expect(read.0 == workspace)
        #expect(read.1 == session)
        #expect(read.2 == 0)
        #expect(read.3 == [command])
        #expect(read.4 == cursor)
    }

    @Test func transitionLogRowsRoundTripAndAreUniquePerIssueVersion() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issue = try await Fixtures.seed(store, issues: 1)[0]
        var record = TransitionRecord(
            issueId: issue.id!, identifier: issue.identifier, version: 1, fromState: .queued, toState: .workspace,
            event: .dispatch, attempt: 0, payload: #"{"reason":"test"}"#, at: Self.now)
        let inserted = try await store.write { [record] db in
            var copy = record
            try copy.insert(db)
            return copy
        }
        record.seq = inserted.seq
        #expect(record.payloadObject == ["reason": "test"])
        let read = try await store.read { db in
            (try TransitionRecord.fetchOne(db, key: inserted.seq), try TransitionRecord.history(of: issue.id!).fetchAll(db))
        }
        #expect(read.0 == record)
        #expect(read.1 == [record])
        await #expect(throws: DatabaseError.self) {
            try await store.write { [record] db in
                var duplicate = record
                duplicate.seq = nil
                try duplicate.insert(db)
            }
        }
    }

    @Test func runtimeEventsAreBoundedAndMetadataHoldsTheStoreId() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let total = RuntimeEventRecord.retained + 25
        try await store.write { db in
            for index in 0..<total {
                var event = RuntimeEventRecord(issueId: nil, sessionId: nil, kind: "hook", message: "line \(index)", at: Self.now)
                try event.append(db)
            }
        }
        let (count, oldest, storeId) = try await store.read { db in
            (
                try RuntimeEventRecord.fetchCount(db), try RuntimeEventRecord.order(Column("id")).fetchOne(db)?.message,
                try String.fetchOne(db, sql: "SELECT value FROM metadata WHERE key = 'storeId'")
            )
        }
        #expect(Int64(count) == RuntimeEventRecord.retained)
        #expect(oldest == "line 25")
        #expect(storeId == store.storeId)
    }
}
