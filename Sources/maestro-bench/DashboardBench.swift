import Foundation
import GRDB
import Runtime
import StateMachine

// The dashboard's first render with a large board, in headless Chromium: `maestro run` serves the
// page and the board; Tests/Fixtures/dashboard/bench.py (Selenium, from .venv) loads it and reads
// the page's own `board-rendered` mark and the Resource Timing sizes. Run from the repository root.

/// Seeds `count` issues that no agent picks up (backlog, human review, done, cancelled), with
/// labels, priorities and blockers like a real board's, then times the page over `runs` loads.
func benchDashboard(count: Int, runs: Int) async throws {
    let python = URL(fileURLWithPath: ".venv/bin/python3").standardizedFileURL.path
    let script = URL(fileURLWithPath: "Tests/Fixtures/dashboard/bench.py").standardizedFileURL.path
    guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else {
        throw BenchError.unexpected("run from the repository root after scripts/setup.sh (.venv with selenium, chromium-driver)")
    }
    let bench = try BenchDaemon(prompt: "Work on {{ issue.identifier }}.\n@@silence {}")
    defer { bench.cleanup() }
    let board = try bench.board()
    _ = try await board.createProject(NewProject(name: "bench", key: "B"))
    let columns: [(String, LifecycleState)] = [
        ("backlog", .released), ("backlog", .released), ("human_review", .review), ("done", .closed), ("cancelled", .closed),
    ]
    let labels = ["api", "ui", "db", "infra", "docs", "bug"]
    let verbs = ["Add", "Fix", "Refactor", "Document", "Speed up", "Remove", "Test"]
    let nouns = ["the health endpoint", "login rate limits", "the billing export", "search paging", "the settings page", "CSV import"]
    try await board.store.write { db in
        guard var project = try ProjectRecord.find("B", in: db) else { return }
        for index in 0..<count {
            let (column, lifecycle) = columns[index % columns.count]
            var issue = IssueRecord(
                projectId: project.id ?? 0, identifier: "B-\(try project.allocateNumber(db))",
                title: "\(verbs[index % verbs.count]) \(nouns[index % nouns.count]) (\(index))", description: "Seeded for the benchmark.",
                priority: index % 5 == 0 ? nil : index % 4 + 1, trackerState: column,
                labels: Array(labels.shuffled().prefix(index % 3)), at: Date())
            issue.lifecycleState = lifecycle
            try issue.insert(db)
        }
    }
    let daemon = try bench.start()
    defer { _ = bench.stop(daemon) }
    let base = try await listeningURL(bench)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, base, String(count), String(runs)]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchError.unexpected("bench.py exited \(process.terminationStatus)") }
}
