import Foundation

/// Linux process facts and process-group termination: the one place that parses `/proc` and the one
/// kill sequence, used by start-up recovery, hooks and the Codex runner.
public enum ProcessGroup {
    /// Fields of `/proc/<pid>/stat` after the command name (which may contain spaces and `)`):
    /// index 0 is the state (field 3), 2 the process group (field 5), 19 the start time (field 22).
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
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
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            return kill(-group, 0) == 0 ? [group] : []
        }
        return entries.compactMap { entry in
            guard let pid = Int32(entry), let fields = statFields(pid), fields.count > 2, fields[0] != "Z",
                Int32(fields[2]) == group
            else { return nil }
            return pid
        }
    }

    /// Ends every live member of `group`: SIGTERM, up to `grace` for them to exit, then SIGKILL.
    /// Returns at once when nothing of the group is left.
    public static func terminate(_ group: Int32, grace: Duration = .milliseconds(500)) async {
        guard !liveMembers(of: group).isEmpty else { return }
        kill(-group, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            if liveMembers(of: group).isEmpty { return }
        }
        kill(-group, SIGKILL)
    }
}
