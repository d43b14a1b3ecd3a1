import Foundation
import Testing

/// README.md and Specs/state-machine.md show the overview of the root WORKFLOW.md before anything
/// else about the lifecycle; the picture there must be what `maestro graph` prints today.
/// MAESTRO_UPDATE_GOLDENS=1 rewrites it in both files.
@Suite struct DocumentedGraphTests {
    static let documents = ["README.md", "Specs/state-machine.md"]

    /// The lines inside the first ```mermaid fence (empty when the fence closes at once).
    static func mermaidBlock(in text: String) -> Range<String.Index>? {
        guard let open = text.range(of: "```mermaid\n"),
            let close = text.range(of: "\n```", range: text.index(before: open.upperBound)..<text.endIndex)
        else { return nil }
        return open.upperBound..<text.index(after: close.lowerBound)
    }

    @Test(arguments: documents)
    func documentShowsTheRootOverview(document: String) async throws {
        let url = CLI.packageRoot.appendingPathComponent(document)
        var text = try String(contentsOf: url, encoding: .utf8)
        let graph = try await CLI.run(["graph", CLI.packageRoot.appendingPathComponent("WORKFLOW.md").path])
        #expect(graph.status == 0, "\(graph.stderr)")
        let block = try #require(Self.mermaidBlock(in: text), "\(document) has no ```mermaid block")
        if GraphCommandTests.updating {
            text.replaceSubrange(block, with: graph.stdout)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let shown = try #require(Self.mermaidBlock(in: text))
        #expect(String(text[shown]) == graph.stdout, "\(document) shows an outdated overview")
        if document.hasPrefix("Specs/") {
            let tables = try #require(text.range(of: "\n## States\n"))
            #expect(shown.upperBound < tables.lowerBound, "the picture comes before the tables")
        }
    }
}
