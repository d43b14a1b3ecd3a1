import Foundation
import GRDB
import Runtime
import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

/// Every board write is in the change log, in the same transaction, with a seq from the sequence
/// the transition log shares; a reader resuming from any seq sees every entry once.
@Suite struct BoardChangeLogTests {
    static let rules = LifecycleRules(workflow: try! WorkflowLoaderDefaults.kanban())

    @Test func everyBoardWriteIsLoggedAndAResumingReaderSeesEachOnce() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let board = Board(store: store) { Self.rules }
        let api = RuntimeAPI(board: board, providers: Providers([]))
        _ = try await board.createProject(NewProject(name: "Board", key: "B"))
        _ = try await board.createIssue(in: "B", NewIssue(title: "blocker"), state: "todo")
        _ = try await board.createIssue(in: "B", NewIssue(title: "dependent", blockedBy: ["B-1"]), state: "todo")
        _ = try await board.updateIssue("B-2", IssueChanges(title: "dependent, renamed", addLabels: ["ui"]))
        _ = try await board.comment("B-2", body: "looks good", author: "operator")
        _ = try await board.moveIssue("B-1", to: "done")
        _ = try await board.deleteIssue("B-1")
        _ = try await board.updateProject("B", ProjectChanges(description: "all of it"))
        _ = try await board.deleteProject("B")

        let changes = try await api.changes()
        #expect(
            changes.map(\.kind) == [
                .projectCreated, .issueCreated, .issueCreated, .issueUpdated, .commentAdded, .issueMoved, .issueDeleted, .projectUpdated,
                .projectDeleted,
            ])
        #expect(changes[3].details["fields"] == "title labels")
        #expect(changes[5].details == ["from": "todo", "to": "done"])
        #expect(changes.allSatisfy { $0.project == "B" })

        // The lifecycle followed in the same transactions: the dependent was released, then
        // requeued when its blocker finished.
        let transitions = try await api.transitions()
        #expect(
            transitions.map { "\($0.issue) \($0.from.rawValue)->\($0.to.rawValue)" } == [
                "B-2 queued->released", "B-1 queued->closed", "B-2 released->queued",
            ])

        let everything = try await api.log(after: 0, limit: 1000)
        let seqs = everything.map(\.seq)
        #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "one sequence for both logs")
        #expect(everything.count == changes.count + transitions.count)
        // Resume from every position with a small page: the union is the log, each entry once.
        for start in [Int64(0)] + seqs {
            var seen: [Int64] = []
            var cursor = start
            while true {
                let page = try await api.log(after: cursor, limit: 2)
                guard let last = page.last else { break }
                seen += page.map(\.seq)
                cursor = last.seq
            }
            #expect(seen == seqs.filter { $0 > start })
        }
    }

    @Test func aWriteThatChangesNothingLogsNothing() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let board = Board(store: store)
        _ = try await board.createProject(NewProject(name: "Board", key: "B"))
        _ = try await board.createIssue(in: "B", NewIssue(title: "one", labels: ["ui"]), state: "todo")
        let before = try await RuntimeAPI(board: board, providers: Providers([])).lastSeq()
        let generation = store.changes.generation
        _ = try await board.moveIssue("B-1", to: "todo")
        _ = try await board.updateIssue("B-1", IssueChanges(addLabels: ["UI"]))
        #expect(try await RuntimeAPI(board: board, providers: Providers([])).lastSeq() == before)
        #expect(store.changes.generation == generation)
        let empty = await #expect(throws: APIError.self) { try await board.updateIssue("B-1", IssueChanges()) }
        #expect(empty?.code == "invalid_value")
        let notABlocker = await #expect(throws: APIError.self) {
            _ = try await board.createIssue(in: "B", NewIssue(title: "two"), state: "todo")
            return try await board.updateIssue("B-2", IssueChanges(removeBlockers: ["B-1"]))
        }
        #expect(notABlocker?.message == "B-1 does not block B-2")
    }

    /// A process without the daemon's rules writes facts only; the daemon's reconciler applies
    /// them from the change log, once.
    @Test func factsWrittenElsewhereAreReconciledFromTheLogOnce() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let cli = Board(store: try temporary.open())
        _ = try await cli.createProject(NewProject(name: "Board", key: "B"))
        _ = try await cli.createIssue(in: "B", NewIssue(title: "blocker"), state: "todo")
        _ = try await cli.createIssue(in: "B", NewIssue(title: "dependent", blockedBy: ["B-1"]), state: "todo")
        let api = RuntimeAPI(board: cli, providers: Providers([]))
        #expect(try await api.issue("B-2").lifecycle.state == .queued, "the CLI decided nothing")
        #expect(try await api.transitions().isEmpty)
        #expect(try await api.changes().allSatisfy { !$0.details.keys.contains("reconciled") })

        let daemonStore = try temporary.open()
        #expect(try await Reconciler.catchUp(store: daemonStore, rules: Self.rules, now: Date()) == 1)
        #expect(try await api.issue("B-2").lifecycle.state == .released)
        #expect(try await Reconciler.catchUp(store: daemonStore, rules: Self.rules, now: Date()) == 0, "each change once")

        _ = try await cli.moveIssue("B-1", to: "done")
        #expect(try await Reconciler.catchUp(store: daemonStore, rules: Self.rules, now: Date()) == 2)
        #expect(try await api.issue("B-1").lifecycle.state == .closed)
        #expect(try await api.issue("B-2").lifecycle.state == .queued)
        #expect(try await api.transitions().allSatisfy { $0.details["source"] == "board_change" })
    }
}
