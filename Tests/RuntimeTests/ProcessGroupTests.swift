import Foundation
import Testing

@testable import Runtime

/// A group's live members are found from its leader while it lives, and by scanning the process
/// table once the leader is gone and a member stays behind.
@Suite struct ProcessGroupTests {
    /// Starts `/bin/sh -c script` as the leader of a new process group; returns its pid.
    private func spawnGroupLeader(_ script: String) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default SIGTERM handling and no blocked signals, whatever the test runner inherited.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        let words = ["/bin/sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, "/bin/sh", nil, &attributes, argv, environ)
        try #require(status == 0, "posix_spawn: \(status)")
        return pid
    }

    @Test func membersOutliveTheirLeaderUntilTerminated() async throws {
        let leader = try spawnGroupLeader("sleep 30 & wait")
        var members: [Int32] = []
        for _ in 0..<100 where members.count < 2 {
            members = ProcessGroup.liveMembers(of: leader)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(members.count == 2, "the shell and its sleep: \(members)")
        #expect(ProcessGroup.hasLiveMembers(leader))

        kill(leader, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(leader, &status, 0)
        let left = ProcessGroup.liveMembers(of: leader)
        #expect(left.count == 1 && !left.contains(leader), "the sleep is left: \(left)")
        #expect(ProcessGroup.hasLiveMembers(leader), "found by the scan, with the leader gone")

        await ProcessGroup.terminate(leader, grace: .seconds(5))
        #expect(!ProcessGroup.hasLiveMembers(leader))
        #expect(ProcessGroup.liveMembers(of: leader).isEmpty)
    }
}
