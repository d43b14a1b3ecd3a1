import Foundation
import Logging
import Runtime
import RuntimeTesting
import StateMachine
import Testing
import WorkflowParser

@testable import Runtime

/// A broken agent command is found once, at start or reload, and dispatch waits for it, instead of
/// every issue burning its automatic retries on it with info-level logs.
@Suite struct AgentPreflightTests {
    static let warning = "codex.command does not work"

    @Test func aBrokenCommandRefusesDispatchWithOneWarningUntilAReloadFixesIt() async throws {
        let clock = TestClock()
        let preflight = ScriptedPreflight { workflow in
            workflow.config.codex.command == "codex app-server" ? "`codex app-server` was not found (exit 127)" : nil
        }
        let harness = try await RuntimeHarness(clock: clock, preflight: preflight) { _ in [.wait(.seconds(60))] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("first")
            try await harness.add("second")
            try await harness.eventually("the warning") { !harness.logs.all.filter { $0.message.hasPrefix(Self.warning) }.isEmpty }
            // Rechecked at every poll while broken, quietly.
            for _ in 0..<3 {
                let checks = preflight.count
                clock.advance(by: 30)
                try await harness.eventually("a recheck") { preflight.count > checks }
            }
            #expect(harness.runner.records.isEmpty, "nothing was dispatched")
            #expect(try await harness.api.issues().items.allSatisfy { $0.lifecycle.state == .queued })
            let warnings = harness.logs.all.filter { $0.message.hasPrefix(Self.warning) }
            #expect(warnings.count == 1, "\(warnings)")
            #expect(warnings.first?.level == .warning)
            #expect(warnings.first?.message.contains("`codex app-server` was not found (exit 127). Fix codex.command in ") == true)
            #expect(warnings.first?.message.hasSuffix("no issue is dispatched until it works") == true)

            try harness.temporary.write(
                """
                ---
                tracker:
                  kind: kanban
                workspace:
                  root: ./workspaces
                codex:
                  command: "/opt/codex/bin/codex app-server"
                ---
                Implement {{ issue.identifier }}.
                """)
            _ = try await harness.api.refresh()
            try await harness.eventually("the runs") { harness.runner.liveRuns == 2 }
        }
        #expect(harness.logs.entries("codex.command works; dispatching").count == 1)
        #expect(harness.logs.all.filter { $0.message.hasPrefix(Self.warning) }.count == 1)
    }

    @Test func aWorkingCommandIsCheckedOncePerRevision() async throws {
        let preflight = ScriptedPreflight { _ in nil }
        let harness = try await RuntimeHarness(preflight: preflight) { _ in [] }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("first")
            try await harness.eventually("the close") { try await harness.issue("MEM-1").lifecycle.state == .retrying }
        }
        #expect(preflight.count == 1)
        #expect(!harness.logs.all.contains { $0.message.hasPrefix(Self.warning) })
    }

    @Test func theCheckStateDecidesWhenToCheckAndWhatToSay() {
        var check = AgentCheck()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var steps: [String] = []
        func should(_ revision: Int, _ offset: TimeInterval) -> String {
            "check \(revision) at \(Int(offset)): \(check.shouldCheck(revision: revision, at: now.addingTimeInterval(offset)))"
        }
        func finish(_ revision: Int, _ problem: String?) -> String {
            "finished \(revision): \(String(describing: check.finished(revision: revision, problem: problem, at: now, recheckAfter: 30)))"
        }
        #expect(!check.mayDispatch(revision: 1))
        steps.append(should(1, 0))
        steps.append(should(1, 0))  // one check at a time
        steps.append(finish(1, "broken"))
        steps.append(should(1, 10))
        steps.append(should(1, 30))  // a poll later
        steps.append(finish(1, "broken"))  // the same problem is said once
        steps.append(should(2, 0))  // a reload checks at once
        steps.append(finish(2, nil))
        #expect(check.mayDispatch(revision: 2) && !check.mayDispatch(revision: 3))
        steps.append(should(2, 3600))  // a working agent is not rechecked
        steps.append(should(3, 0))
        steps.append(finish(3, nil))
        #expect(
            steps == [
                "check 1 at 0: true", "check 1 at 0: false", "finished 1: Optional(Runtime.AgentCheck.Report.broken(\"broken\"))",
                "check 1 at 10: false", "check 1 at 30: true", "finished 1: nil", "check 2 at 0: true",
                "finished 2: Optional(Runtime.AgentCheck.Report.works)", "check 2 at 3600: false", "check 3 at 0: true", "finished 3: nil",
            ])
    }
}
