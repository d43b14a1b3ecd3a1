public import Foundation

extension Store {
    /// The nearest `.maestro/maestro.sqlite` at or above `directory`, found as git finds its
    /// repository: a board command run from a subdirectory uses the project's database instead of
    /// starting an empty one there.
    public static func discover(from directory: String = FileManager.default.currentDirectoryPath) -> String? {
        var current = URL(fileURLWithPath: CanonicalPath.of(directory))
        while true {
            let candidate = current.appendingPathComponent(defaultPath).path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue { return candidate }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }

    /// The database a command uses: `explicit` (`--db`), else `$MAESTRO_DB`, else the nearest
    /// `.maestro/maestro.sqlite` at or above the current directory, else that path here.
    public static func location(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Location {
        if let explicit { return Location(path: explicit, discovered: false) }
        if let path = environment["MAESTRO_DB"] { return Location(path: path, discovered: false) }
        if let found = discover() { return Location(path: found, discovered: true) }
        return Location(path: defaultPath, discovered: true)
    }

    /// Whether `path` is a file with something in it (an empty file is a database not made yet).
    public static func holdsData(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 0
    }

    /// Where a command's database is, and whether it was looked for (no `--db`, no `$MAESTRO_DB`).
    public struct Location: Sendable, Hashable {
        public var path: String
        public var discovered: Bool
    }
}
