import Foundation
import Synchronization

/// What the process table says about agents: process groups whose members work inside a
/// directory, read from `/proc`. The concurrency tests count agents here, not in the daemon's own
/// bookkeeping.
enum ProcessTable {
    /// Process groups with a live member whose working directory is inside `directory`.
    static func groups(workingIn directory: String) -> Set<Int32> {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var groups: Set<Int32> = []
        for pid in entries.compactMap(Int32.init) {
            guard let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"), cwd.hasPrefix(prefix),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", let group = Int32(fields[2]) else { continue }
            groups.insert(group)
        }
        return groups
    }

    /// Resident memory of a process in bytes (`VmRSS`), or nil once it is gone.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
        return kilobytes.map { $0 * 1024 }
    }
}

/// Samples a number every few milliseconds until stopped and keeps the largest.
final class PeakSampler: Sendable {
    private let peak = Mutex(0)

    var value: Int { peak.withLock { $0 } }

    /// Samples `measure` until the task is cancelled.
    func run(every interval: Duration = .milliseconds(20), _ measure: @Sendable () -> Int) async {
        while !Task.isCancelled {
            let sample = measure()
            peak.withLock { $0 = max($0, sample) }
            try? await Task.sleep(for: interval)
        }
    }
}
