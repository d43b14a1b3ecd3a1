import Foundation

/// Linux process facts and process-group termination: the one place that parses `/proc` and the one
/// kill sequence, used by start-up recovery, hooks and the Codex runner.
public enum ProcessGroup {
    /// Fields of `/proc/<pid>/stat` after the command name (which may contain spaces and `)`):
    /// index 0 is the state (field 3), 2 the process group (field 5), 19 the start time (field 22).
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let stat = readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// A `/proc` file of at most 4 KiB, read with one `read(2)`: a scan of the process table reads
    /// one per process, and Foundation's file reading cost ten times as much.
    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { buffer in
            let count = read(fd, buffer.baseAddress, buffer.count)
            guard count > 0 else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// The numeric entries of `/proc`.
    private static func processIDs() -> [Int32]? {
        guard let directory = opendir("/proc") else { return nil }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    /// The process's start time in clock ticks since boot; `nil` when it is gone or a zombie. With
    /// the pid it tells a live process from a reused pid.
    public static func startTime(of pid: Int32) -> Int64? {
        guard let fields = statFields(pid), fields.count > 19, fields[0] != "Z" else { return nil }
        return Int64(fields[19])
    }

    /// Pids in process group `group` that are not zombies. Without `/proc` (not Linux), any
    /// signal-able member counts, which includes a not-yet-reaped leader.
    public static func liveMembers(of group: Int32) -> [Int32] {
        // No member at all, zombies included: nothing to scan. The scan reads every process's
        // `stat`, which at each run's end was a sixth of the daemon's CPU (Specs/benchmarks.md).
        if kill(-group, 0) != 0 && errno == ESRCH { return [] }
        return scan(group)
    }

    /// The process table's live members of `group`.
    private static func scan(_ group: Int32) -> [Int32] {
        guard let pids = processIDs() else {
            return kill(-group, 0) == 0 ? [group] : []
        }
        // getpgid(2) is one system call per process; only the group's own members have their
        // `stat` read (for the zombie check), not every process's.
        return pids.filter { pid in
            guard getpgid(pid) == group, let fields = statFields(pid), fields.count > 2, fields[0] != "Z" else { return false }
            return Int32(fields[2]) == group
        }
    }

    /// Whether `group` has a member that is not a zombie. A live leader answers it from its own
    /// `stat`; only a group whose leader is gone or a zombie needs the scan of every process.
    public static func hasLiveMembers(_ group: Int32) -> Bool {
        if kill(-group, 0) != 0 && errno == ESRCH { return false }
        if let fields = statFields(group), fields.count > 2, fields[0] != "Z", Int32(fields[2]) == group { return true }
        return !scan(group).isEmpty
    }

    /// Ends every live member of `group`: SIGTERM, up to `grace` for them to exit, then SIGKILL.
    /// Returns at once when nothing of the group is left.
    public static func terminate(_ group: Int32, grace: Duration = .milliseconds(500)) async {
        guard hasLiveMembers(group) else { return }
        kill(-group, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            if !hasLiveMembers(group) { return }
        }
        kill(-group, SIGKILL)
    }
}
