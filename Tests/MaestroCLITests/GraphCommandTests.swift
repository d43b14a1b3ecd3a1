import Foundation
import Testing

@Suite struct GraphCommandTests {
    static let workflows = ["agent-review-done", "human-review", "no-review-per-state", "no-review-done"]
    static let formats = [("mermaid", "mmd"), ("dot", "dot"), ("json", "json"), ("text", "txt")]

    /// Set MAESTRO_UPDATE_GOLDENS=1 to rewrite the golden files after an intended change.
    @Test(arguments: workflows)
    func graphMatchesGoldenFilesInEveryFormat(workflow: String) async throws {
        let update = ProcessInfo.processInfo.environment["MAESTRO_UPDATE_GOLDENS"] == "1"
        let path = CLI.fixtures.appendingPathComponent("workflows/\(workflow).md").path
        for (format, ext) in Self.formats {
            let result = try await CLI.run(["graph", path, "--format", format])
            #expect(result.status == 0, "\(result.stderr)")
            let golden = CLI.fixtures.appendingPathComponent("graphs/\(workflow).\(ext)")
            if update { try result.stdout.write(to: golden, atomically: true, encoding: .utf8) }
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(result.stdout == expected, "\(workflow) --format \(format) differs from \(golden.lastPathComponent)")
        }
    }

    @Test func mermaidIsTheDefaultFormat() async throws {
        let result = try await CLI.run(["graph"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\nstateDiagram-v2\n"))
    }

    @Test func invalidWorkflowExitsOneWithDiagnostics() async throws {
        let result = try await CLI.run(["graph", "/nonexistent/WORKFLOW.md"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("[missing_workflow_file]"))
        #expect(result.stdout.isEmpty)
    }

    /// Graphviz itself must accept the DOT output; CI installs it (`graphviz`).
    @Test(arguments: workflows)
    func dotOutputIsValidGraphviz(workflow: String) async throws {
        let dot = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let dotPath = try #require(dot, "graphviz `dot` is not installed (apt-get install graphviz)")
        let path = CLI.fixtures.appendingPathComponent("workflows/\(workflow).md").path
        let source = try await CLI.run(["graph", path, "--format", "dot"]).stdout
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dotPath)
        process.arguments = ["-Tsvg"]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(source.utf8))
        try input.fileHandleForWriting.close()
        let svg = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.isEmpty, "\(stderr)")
        #expect(svg.contains("<svg") && svg.contains(">running<"))
    }

    @Test(arguments: workflows)
    func mermaidOutputIsAValidStateDiagram(workflow: String) async throws {
        let path = CLI.fixtures.appendingPathComponent("workflows/\(workflow).md").path
        let source = try await CLI.run(["graph", path, "--format", "mermaid"]).stdout
        let problems = MermaidStateDiagram.problems(in: source)
        #expect(problems.isEmpty, "\(problems)")
        #expect(source.contains("[*] --> queued"))
    }

    @Test func mermaidCheckerRejectsBrokenDiagrams() {
        #expect(!MermaidStateDiagram.problems(in: "graph TD\n  a --> b\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    a --> b : x: y\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    a -> b\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "---\ntitle: a: b\n---\nstateDiagram-v2\n").isEmpty)
        #expect(MermaidStateDiagram.problems(in: "stateDiagram-v2\n    [*] --> a\n    a --> b : go [x] / y\n").isEmpty)
    }
}
