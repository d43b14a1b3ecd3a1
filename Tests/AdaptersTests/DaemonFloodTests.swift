import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

/// Agents that flood their output, against the real daemon process: its memory stays bounded
/// (measured from `/proc`), a run whose output is not the protocol fails with a clear reason, and
/// SIGTERM is honoured within the documented shutdown bound whatever the agents do.
@Suite(.serialized) struct DaemonFloodTests {
    /// Generous: an idle daemon uses about 60 MB; an unbounded buffer grew past 800 MB in 6 s.
    static let memoryBound = 200 * 1024 * 1024
    /// Specs/daemon.md: the graceful shutdown's 15 s, the last-resort exit 5 s later; plus slack
    /// for a loaded machine to notice the exit.
    static let shutdownBound: Duration = .seconds(20) + .seconds(10)

    @Test func floodingAgentsLeaveTheDaemonBoundedAndItStopsInTime() async throws {
        let prompt = """
            Flood.
            {% if issue.title == "stdout" %}@@spew {}{% else %}@@spew {"stream": "stderr"}{% endif %}
            """
        let setup = try DaemonProcessTests.Setup(
            prompt: prompt, codex: "  read_timeout_ms: 2000", frontMatter: "agent:\n  max_concurrent_agents: 2")
        defer { setup.cleanup() }
        let daemon = try setup.start()
        defer { if daemon.isRunning { daemon.terminate() } }
        let memory = PeakSampler()
        let pid = daemon.processIdentifier
        var firstFailure: String?
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await memory.run(every: .milliseconds(50)) { ProcessTable.residentBytes(of: pid) ?? 0 } }
            #expect(try await setup.cli(["project", "create", "ops", "--key", "OPS"]).succeeded)
            #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "stdout"]).succeeded)
            #expect(try await setup.cli(["issue", "create", "--project", "OPS", "--title", "stderr"]).succeeded)
            // The stdout flood is not the protocol: the run fails with a reason that says so. Its
            // retry, due 10 s later, can fail for another reason on a loaded machine (it did in CI).
            try await setup.eventually("the stdout flood's failure") {
                firstFailure = try await setup.issue("OPS-1")?.lastError
                return firstFailure?.contains("not the app-server protocol") == true
            }
            // The stderr flood goes on (its turn waits for output that never comes) while we watch.
            try await setup.eventually("the stderr flood") { try await setup.issue("OPS-2")?.lifecycleState == .running }
            try await Task.sleep(for: .seconds(6))
            group.cancelAll()
        }
        #expect(memory.value > 0 && memory.value < Self.memoryBound, "the daemon's peak RSS was \(memory.value / 1_048_576) MB")
        #expect(
            firstFailure?.hasPrefix("the agent's output is not the app-server protocol: 200 of its last 256 lines") == true,
            "\(firstFailure ?? "no error")")

        let signalled = ContinuousClock.now
        kill(pid, SIGTERM)
        let stopped = await DaemonProcessTests.exits(daemon, within: Self.shutdownBound)
        let took = ContinuousClock.now - signalled
        #expect(stopped, "the daemon was still running \(Self.shutdownBound) after SIGTERM")
        #expect(daemon.terminationStatus == 0, "\(setup.log().suffix(2000))")
        #expect(took < Self.shutdownBound)
        let workspaces = setup.directory.appendingPathComponent("workspaces").path
        var left = ProcessTable.groups(workingIn: workspaces)
        for _ in 0..<100 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(50))
            left = ProcessTable.groups(workingIn: workspaces)
        }
        #expect(left.isEmpty, "agent process groups left: \(left)")
        let log = setup.log()
        #expect(log.contains("agent output rate-limited") || log.contains("agent output is not the protocol"), "\(log.suffix(2000))")
    }
}
