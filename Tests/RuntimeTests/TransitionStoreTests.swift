import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

@Suite struct TransitionStoreTests {
    private func logRows(_ store: Store) async throws -> [TransitionRecord] {
        try await store.read { db in try TransitionRecord.order(Column("seq")).fetchAll(db) }
    }

    @Test func aCommittedTransitionUpdatesTheIssueAndAppendsOneLogRow() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issue = try await Fixtures.seed(store, issues: 1)[0]
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let dispatched = try await TransitionStore.apply(.dispatch, to: issue.id!, in: store, machine: Fixtures.machine, now: now)
        let committed = try #require(dispatched.committed)
        #expect(committed.lifecycle.state == .workspace)
        #expect(committed.lifecycle.version == 1)
        #expect(committed.transition.effects == [.claimInTracker, .prepareWorkspace])
        #expect(committed.record.payloadObject["effects"] == "claim_in_tracker prepare_workspace")

        let failed = try await TransitionStore.apply(
            .workspaceFailed, to: issue.id!, in: store, machine: Fixtures.machine, error: "after_create exited 1", now: now)
        let retry = try #require(failed.committed)
        #expect(retry.lifecycle.state == .retrying)
        #expect(retry.lifecycle.attempt == 1)
        #expect(retry.lifecycle.dueAt == now.addingTimeInterval(10))
        #expect(retry.lifecycle.lastError == "after_create exited 1")

        let stored = try await store.read { db in try IssueRecord.fetchOne(db, key: issue.id) }
        #expect(stored?.lifecycleState == .retrying && stored?.version == 2 && stored?.attempt == 1)
        #expect(stored?.dueAt == retry.lifecycle.dueAt && stored?.lastError == retry.lifecycle.lastError)
        let rows = try await logRows(store)
        #expect(rows.map(\.version) == [1, 2])
        #expect(rows.map(\.toState) == [.workspace, .retrying])
        #expect(rows.last?.payloadObject["dueInMs"] == "10000")
    }

    @Test func aRejectedEventChangesNothing() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let seeded = try await Fixtures.seed(store, issues: 1)[0]
        let issue = try #require(try await store.read { db in try IssueRecord.fetchOne(db, key: seeded.id) })
        let outcome = try await TransitionStore.apply(.runEnded, to: issue.id!, in: store, machine: Fixtures.machine)
        guard case .rejected(let rejection) = outcome else {
            Issue.record("run_ended in queued was accepted: \(outcome)")
            return
        }
        #expect(rejection.code == "not_applicable")
        let noSlot = try await TransitionStore.apply(
            .dispatch, to: issue.id!, in: store, machine: Fixtures.machine, facts: TransitionFacts(slotAvailable: false))
        #expect(
            noSlot
                == .rejected(Rejection(code: "no_available_slot", state: .queued, event: .dispatch, message: "no global or per-state slot is free")))
        #expect(try await store.read { db in try IssueRecord.fetchOne(db, key: issue.id) } == issue)
        #expect(try await logRows(store).isEmpty)
    }

    @Test func aStaleVersionIsAConflictAndChangesNothing() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issue = try await Fixtures.seed(store, issues: 1)[0]
        _ = try await TransitionStore.apply(.dispatch, to: issue.id!, in: store, machine: Fixtures.machine, expectedVersion: 0)
        let stale = try await TransitionStore.apply(.pause, to: issue.id!, in: store, machine: Fixtures.machine, expectedVersion: 0)
        #expect(stale == .conflict(expected: 0, actual: 1))
        #expect(try await logRows(store).count == 1)
        await #expect(throws: StoreError.issueNotFound("#999")) {
            try await TransitionStore.apply(.dispatch, to: 999, in: store, machine: Fixtures.machine)
        }
    }

    /// Several tasks and two other processes race to dispatch the same issues at the same version:
    /// exactly one wins each race, and the log has strictly increasing seq with each (issue, version) once.
    @Test func contendedEventsCommitExactlyOnce() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let issues = try await Fixtures.seed(store, issues: 12)
        let probe = Fixtures.benchExecutable
        try #require(FileManager.default.isExecutableFile(atPath: probe.path), "maestro-bench is built by `swift build --build-tests`")
        for issue in issues {
            let id = issue.id!
            async let first = runProbe(probe, temporary.path, id)
            async let second = runProbe(probe, temporary.path, id)
            let local = try await withThrowingTaskGroup(of: TransitionOutcome.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await TransitionStore.apply(.dispatch, to: id, in: store, machine: Fixtures.machine, expectedVersion: 0)
                    }
                }
                return try await group.reduce(into: [TransitionOutcome]()) { $0.append($1) }
            }
            let remote = try await [first, second]
            let wins = local.filter { $0.committed != nil }.count + remote.filter { $0.hasPrefix("committed") }.count
            #expect(wins == 1, "issue \(issue.identifier): local \(local), remote \(remote)")
            #expect(local.allSatisfy { $0.committed != nil || $0 == .conflict(expected: 0, actual: 1) })
            #expect(remote.allSatisfy { $0.hasPrefix("committed") || $0 == "conflict 1" }, "\(remote)")
        }
        let rows = try await logRows(store)
        #expect(rows.count == issues.count)
        let seqs = rows.compactMap(\.seq)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        #expect(Set(rows.map { "\($0.issueId)/\($0.version)" }).count == rows.count)
        let states = try await store.read { db in try IssueRecord.fetchAll(db).map(\.lifecycleState) }
        #expect(states.allSatisfy { $0 == .workspace })
    }

    private func runProbe(_ probe: URL, _ database: String, _ issueId: Int64) async throws -> String {
        try await runProgram(probe, ["contend", database, String(issueId), "0"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite struct DatabaseDateTests {
    /// The entry point formats dates itself; GRDB must read them back as the same instant.
    @Test func formattedDatesReadBackAsGRDBWritesThem() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_795_000_000.123),
            Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 4_102_444_799.999),
        ]
        let issue = try await Fixtures.seed(store, issues: 1)[0]
        for date in dates {
            let outcome = try await TransitionStore.apply(.pause, to: issue.id!, in: store, machine: Fixtures.machine, now: date)
            let committed = try #require(outcome.committed)
            let stored = try await store.read { db in
                (try TransitionRecord.fetchOne(db, key: committed.record.seq)?.at, try IssueRecord.fetchOne(db, key: issue.id)?.updatedAt)
            }
            let expected = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            #expect(abs((stored.0 ?? .distantPast).timeIntervalSince(expected)) < 0.000_5, "\(date)")
            #expect(abs((stored.1 ?? .distantPast).timeIntervalSince(expected)) < 0.000_5, "\(date)")
            _ = try await TransitionStore.apply(.resume, to: issue.id!, in: store, machine: Fixtures.machine, now: date)
        }
    }
}
