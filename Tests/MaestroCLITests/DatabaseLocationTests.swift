import Foundation
import Testing

/// Where the board commands find their database, and what they refuse: the database is found as
/// git finds its repository, a read never creates one, and a bad `--db` gets a documented code.
@Suite struct DatabaseLocationTests {
    func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) async throws -> CLI.Result {
        try await CLI.execute(CLI.executable, arguments, in: directory, environment: CLI.environment(environment))
    }

    func listing(_ directory: URL) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    /// From a subdirectory, board commands used to create and use a new empty database there.
    @Test func boardCommandsFromASubdirectoryUseTheProjectsDatabase() async throws {
        let sandbox = try BoardSandbox()
        #expect(try await run(["project", "create", "Maestro", "--key", "MAE"], in: sandbox.directory).status == 0)
        let deeper = sandbox.directory.appendingPathComponent("src/deeper")
        try FileManager.default.createDirectory(at: deeper, withIntermediateDirectories: true)
        let created = try await run(["issue", "create", "--project", "MAE", "--title", "from below"], in: deeper)
        #expect(created.status == 0 && created.stdout == "Created MAE-1: from below (todo, queued)\n", "\(created.stderr)")
        let listed = try await run(["issue", "list"], in: deeper)
        #expect(listed.stdout.contains("MAE-1  todo   queued"), "\(listed.stdout)\(listed.stderr)")
        #expect(listing(deeper).isEmpty, "nothing was created in the subdirectory")
    }

    static let reads: [[String]] = [
        ["issue", "list"], ["issue", "show", "MAE-1"], ["project", "list"], ["project", "show", "MAE"], ["issue", "pause", "MAE-1"],
        ["issue", "move", "MAE-1", "done"], ["issue", "comment", "MAE-1", "hi"], ["issue", "delete", "MAE-1"],
        ["issue", "create", "--project", "MAE", "--title", "x"],
    ]

    @Test(arguments: reads)
    func commandsOnAMissingDatabaseFailAndCreateNothing(_ arguments: [String]) async throws {
        let sandbox = try BoardSandbox()
        let result = try await run(arguments, in: sandbox.directory)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr
                == "error: no maestro database in \(CLI.realPath(sandbox.directory.path)) or a parent directory (.maestro/maestro.sqlite); "
                + "create one here with `maestro project create NAME`, or name one with --db or MAESTRO_DB [no_database]\n",
            "\(result.stderr)")
        let json = try await run(arguments + ["--json"], in: sandbox.directory)
        let envelope = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: String]]
        #expect(json.status == 1 && envelope?["error"]?["code"] == "no_database")
        let explicit = try await run(arguments + ["--db", sandbox.database], in: sandbox.directory)
        #expect(explicit.status == 1 && explicit.stderr.hasPrefix("error: no maestro database at '\(sandbox.database)'"), "\(explicit.stderr)")
        #expect(listing(sandbox.directory).isEmpty, "a read created \(listing(sandbox.directory))")
    }

    /// A directory, an empty path and a trailing slash used to give raw SQLite errors (or, for the
    /// slash, create a file); now each has the documented code and a reason, and leaves nothing.
    @Test func badDatabasePathsGetDocumentedCodes() async throws {
        let sandbox = try BoardSandbox()
        let cases: [(String, String)] = [
            (sandbox.directory.path, "it is a directory; name the database file"),
            ("", "the database path is empty"),
            (sandbox.directory.path + "/m.sqlite/", "ends with '/', which names a directory"),
        ]
        for (path, reason) in cases {
            let result = try await run(["project", "create", "Maestro", "--db", path], in: sandbox.directory)
            #expect(result.status == 1, "\(path)")
            #expect(result.stderr.contains(reason) && result.stderr.hasSuffix("[cannot_open_database]\n"), "\(path): \(result.stderr)")
        }
        #expect(listing(sandbox.directory).isEmpty, "\(listing(sandbox.directory))")
    }

    /// `maestro run` on a database it refuses leaves no `.lock` file beside it.
    @Test func aRefusedDaemonStartLeavesNoLockFile() async throws {
        let sandbox = try BoardSandbox()
        try sandbox.write("WORKFLOW.md", "---\ntracker:\n  kind: kanban\n---\nWork.\n")
        try sandbox.write("notes.txt", "a shopping list, not a database\n")
        let notText = try await run(["run", "--db", sandbox.path("notes.txt")], in: sandbox.directory)
        #expect(notText.status == 1 && notText.stderr.contains("[not_a_database]"), "\(notText.stderr)")
        let directory = try await run(["run", "--db", sandbox.directory.path], in: sandbox.directory)
        #expect(directory.status == 1 && directory.stderr.contains("[cannot_open_database]"), "\(directory.stderr)")
        #expect(listing(sandbox.directory) == ["WORKFLOW.md", "notes.txt"])
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory.path + ".lock"))
        #expect(try String(contentsOfFile: sandbox.path("notes.txt"), encoding: .utf8) == "a shopping list, not a database\n")
    }
}

extension CLI {
    /// `path` with symlinks resolved, as maestro prints it.
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
