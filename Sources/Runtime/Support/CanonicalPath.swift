import Foundation
import Glibc

/// The one name of a file however it is reached: absolute, `.` and `..` removed, every symlink
/// resolved, the last component included even when it does not exist yet (a dangling symlink is
/// followed to where it points). Locks keyed by a path use it, so that `m.db`, `./x/../m.db` and a
/// symlink to either are one lock.
public enum CanonicalPath {
    /// `path` resolved against the current directory, with symlinks resolved.
    public static func of(_ path: String) -> String {
        // Not standardized first: `link/..` must go where the kernel goes, to the link target's parent.
        var current = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // A symlink chain longer than the kernel's own limit is a loop: stop following it.
        for _ in 0..<40 {
            if let resolved = realPath(current) { return resolved }
            // The file does not exist: resolve its directory, and follow a dangling link by hand.
            let url = URL(fileURLWithPath: current)
            let directory = realPath(url.deletingLastPathComponent().path) ?? url.deletingLastPathComponent().path
            let joined = URL(fileURLWithPath: directory).appendingPathComponent(url.lastPathComponent).path
            guard let target = linkTarget(joined) else { return joined }
            current =
                URL(fileURLWithPath: target, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
                .standardizedFileURL.path
        }
        return current
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
