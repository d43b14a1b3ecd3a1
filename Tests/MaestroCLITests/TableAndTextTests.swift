import Foundation
import Testing

/// Long and hostile text: tables stay one line per row and safe to print, `--json` keeps every
/// byte, and a long description comes from a file or standard input.
@Suite struct TableAndTextTests {
    @Test func tablesTruncateAndCleanCellsAndJSONKeepsThemWhole() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        let title = "\u{1B}[31mred\nline " + String(repeating: "x", count: 100)
        try await sandbox.ok("issue", "create", "--project", "MAE", "--title", title)
        let table = try await sandbox.ok("issue", "list")
        let row = try #require(table.split(separator: "\n").last)
        #expect(table.split(separator: "\n").count == 2, "one line per row: \(table)")
        #expect(!row.contains("\u{1B}"), "no escape sequence reaches the terminal")
        #expect(row.contains("?[31mred?line xxx"), "\(row)")
        let cell = try #require(row.split(separator: "  ").first { $0.hasPrefix("?[31m") })
        #expect(cell.count == 60 && cell.hasSuffix("…"), "cut to 60 characters: \(cell.count)")
        let json = try await sandbox.json("issue", "list") as? [String: Any]
        let items = try #require(json?["items"] as? [[String: Any]])
        #expect(items.first?["title"] as? String == title, "--json keeps every byte")
    }

    @Test func aDescriptionComesFromAFileOrStandardInput() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Maestro", "--key", "MAE")
        let long = (1...200).map { "Line \($0) of a long description with `quotes` and $VARS." }.joined(separator: "\n") + "\n"
        let file = try sandbox.write("description.md", long)
        let fromFile = try await sandbox.object("issue", "create", "--project", "MAE", "--title", "from a file", "--description-file", file)
        #expect(fromFile["description"] as? String == long)
        let piped = try await sandbox.run(
            ["issue", "create", "--project", "MAE", "--title", "from stdin", "--description", "-", "--json"], input: Data(long.utf8))
        #expect(piped.status == 0, "\(piped.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) as? [String: Any]
        #expect(object?["description"] as? String == long)
        let updated = try await sandbox.run(["issue", "update", "MAE-1", "--description", "-", "--json"], input: Data("short\n".utf8))
        #expect((try JSONSerialization.jsonObject(with: Data(updated.stdout.utf8)) as? [String: Any])?["description"] as? String == "short\n")
        let both = try await sandbox.run(["issue", "update", "MAE-1", "--description", "x", "--description-file", file])
        #expect(both.status == 2 && both.stderr.contains("give --description or --description-file, not both"))
        let missing = try await sandbox.run(["issue", "update", "MAE-1", "--description-file", sandbox.path("nope.md")])
        #expect(missing.status == 1 && missing.stderr == "error: cannot read the description file '\(sandbox.path("nope.md"))' [invalid_value]\n")
    }
}
