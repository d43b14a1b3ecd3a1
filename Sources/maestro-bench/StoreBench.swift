import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import WorkflowParser

/// The default kanban workflow, for benchmarks and the contention probe.
func defaultWorkflow() throws -> Workflow {
    try WorkflowLoader.parse("---\ntracker:\n  kind: kanban\n---\nWork on {{ issue.identifier }}.\n", file: "(bench)", baseDirectory: "/")
}

/// The Runtime API of a CLI process over `store`, with the kanban board of `workflow`.
func kanbanAPI(_ store: Store, _ workflow: Workflow) -> RuntimeAPI {
    let board = Board(store: store)
    return RuntimeAPI(board: board, providers: Providers([KanbanProvider(board: board, columns: KanbanColumns(workflow: workflow))]))
}

func temporaryDatabase(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-bench-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}

/// Transitions committed per second through the entry point, against a raw one-row INSERT + COMMIT
/// loop on the same file, pool and settings.
func benchTransitions(count: Int) async throws {
    let store = try Store.open(path: temporaryDatabase("transitions.sqlite"))
    let workflow = try defaultWorkflow()
    let api = kanbanAPI(store, workflow)
    _ = try await api.createProject(NewProject(name: "bench", key: "B"))
    _ = try await api.createIssue(in: "B", NewIssue(title: "ping-pong"))
    let issueId = try await store.read { db in try IssueRecord.find("B-1", in: db)?.id } ?? 0
    try await store.pool.write { db in try db.execute(sql: "CREATE TABLE rawBench (id INTEGER PRIMARY KEY, value TEXT)") }
    let clock = ContinuousClock()
    // Rounds alternate the two loops so machine noise hits both alike; the median round ratio is
    // reported. dispatch and interrupted alternate queued <-> workspace: each apply commits one
    // transition.
    let rounds = 11
    let perRound = max(count / rounds, 1)
    var applied = 0
    var entryTimes: [Duration] = []
    var rawTimes: [Duration] = []
    for _ in 0..<rounds {
        entryTimes.append(
            try await clock.measure {
                for _ in 0..<perRound {
                    let event: LifecycleEvent = applied % 2 == 0 ? .dispatch : .interrupted
                    applied += 1
                    let outcome = try await TransitionStore.apply(event, to: issueId, in: store, machine: workflow.machine)
                    guard outcome.committed != nil else { throw BenchError.unexpected("\(outcome)") }
                }
            })
        rawTimes.append(
            try await clock.measure {
                for index in 0..<perRound {
                    try await store.pool.write { db in
                        try db.cachedStatement(sql: "INSERT INTO rawBench (value) VALUES (?)").execute(arguments: ["row \(index)"])
                    }
                }
            })
    }
    let ratios = zip(entryTimes, rawTimes).map { $1.seconds / $0.seconds }.sorted()
    let entryRate = Double(perRound) / median(entryTimes).seconds
    let rawRate = Double(perRound) / median(rawTimes).seconds
    print(String(format: "entry point: %.0f transitions/s (median of %d rounds of %d)", entryRate, rounds, perRound))
    print(String(format: "raw INSERT + COMMIT: %.0f rows/s (median of %d rounds of %d)", rawRate, rounds, perRound))
    print(String(format: "ratio: %.2f (median round; min %.2f, max %.2f)", ratios[rounds / 2], ratios.first ?? 0, ratios.last ?? 0))
}

/// `issue list` of a project with `count` issues: in-process query, and the CLI as a process.
func benchIssueList(count: Int) async throws {
    let path = temporaryDatabase("list.sqlite")
    let store = try Store.open(path: path)
    let workflow = try defaultWorkflow()
    let api = kanbanAPI(store, workflow)
    _ = try await api.createProject(NewProject(name: "big", key: "BIG"))
    try await store.write { db in
        guard var project = try ProjectRecord.find("BIG", in: db) else { return }
        for index in 0..<count {
            let number = try project.allocateNumber(db)
            var issue = IssueRecord(
                projectId: project.id ?? 0, identifier: "BIG-\(number)", title: "Issue number \(index)", description: nil,
                priority: index % 5 == 0 ? nil : index % 5, trackerState: "todo", labels: ["bench"], at: Date())
            try issue.insert(db)
        }
    }
    let clock = ContinuousClock()
    var samples: [Duration] = []
    for _ in 0..<10 {
        samples.append(try await clock.measure { _ = try await api.issues(IssueQuery(project: "BIG")) })
    }
    print("in-process RuntimeAPI.issues(project:) with \(count) issues: median \(milliseconds(median(samples)))")
    let maestro = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("maestro")
    guard FileManager.default.isExecutableFile(atPath: maestro.path) else { return }
    var processSamples: [Duration] = []
    for _ in 0..<10 {
        processSamples.append(
            try clock.measure {
                let status = try spawnAndWait(maestro.path, ["issue", "list", "--project", "BIG", "--db", path])
                guard status == 0 else { throw BenchError.validateFailed(status) }
            })
    }
    print("process `maestro issue list --project BIG` (\(count) issues, table to /dev/null): median \(milliseconds(median(processSamples)))")
}

/// Test probe: applies `dispatch` to an issue at an expected version and prints the outcome.
/// Used by the store's two-process contention test.
func contend(databasePath: String, issueId: Int64, expectedVersion: Int) async throws {
    let store = try Store.open(path: databasePath)
    let outcome = try await TransitionStore.apply(
        .dispatch, to: issueId, in: store, machine: try defaultWorkflow().machine, expectedVersion: expectedVersion)
    switch outcome {
    case .committed(let committed): print("committed \(committed.record.seq ?? 0)")
    case .rejected(let rejection): print("rejected \(rejection.code)")
    case .conflict(_, let actual): print("conflict \(actual)")
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
