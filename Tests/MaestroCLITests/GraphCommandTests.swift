import Foundation
import Testing

@Suite struct GraphCommandTests {
    static let workflows = ["agent-review-done", "human-review", "no-review-per-state", "no-review-done"]
    static let formats = [("mermaid", "mmd"), ("dot", "dot"), ("json", "json"), ("text", "txt"), ("svg", "svg")]
    static let views = ["full", "overview"]

    /// `<workflow>.<ext>` holds the full view (the exact machine), `<workflow>.overview.<ext>` the
    /// overview. Set MAESTRO_UPDATE_GOLDENS=1 to rewrite them after an intended change (for example
    /// a transition added to the machine).
    static func golden(_ workflow: String, view: String, ext: String) -> URL {
        CLI.fixtures.appendingPathComponent("graphs/\(workflow)\(view == "full" ? "" : ".\(view)").\(ext)")
    }

    static var updating: Bool { ProcessInfo.processInfo.environment["MAESTRO_UPDATE_GOLDENS"] == "1" }

    static func workflowPath(_ workflow: String) -> String {
        CLI.fixtures.appendingPathComponent("workflows/\(workflow).md").path
    }

    @Test(arguments: workflows, views)
    func graphMatchesGoldenFilesInEveryFormat(workflow: String, view: String) async throws {
        for (format, ext) in Self.formats {
            let result = try await CLI.run(["graph", Self.workflowPath(workflow), "--view", view, "--format", format])
            #expect(result.status == 0, "\(result.stderr)")
            let golden = Self.golden(workflow, view: view, ext: ext)
            if Self.updating { try result.stdout.write(to: golden, atomically: true, encoding: .utf8) }
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(result.stdout == expected, "\(workflow) --view \(view) --format \(format) differs from \(golden.lastPathComponent)")
        }
    }

    @Test func theOverviewInMermaidIsTheDefault() async throws {
        let result = try await CLI.run(["graph"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\nstateDiagram-v2\n"))
        let explicit = try await CLI.run(["graph", "--view", "overview", "--format", "mermaid"])
        #expect(result.stdout == explicit.stdout)
        let full = try await CLI.run(["graph", "--view", "full"])
        #expect(full.stdout != result.stdout)
    }

    @Test func unknownViewIsAUsageError() async throws {
        let result = try await CLI.run(["graph", "--view", "hairball"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("hairball"))
    }

    @Test func invalidWorkflowExitsOneWithDiagnostics() async throws {
        let result = try await CLI.run(["graph", "/nonexistent/WORKFLOW.md"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("[missing_workflow_file]"))
        #expect(result.stdout.isEmpty)
    }

    /// Graphviz itself must accept the DOT output of both views; CI installs it (`graphviz`).
    @Test(arguments: workflows, views)
    func dotOutputIsValidGraphviz(workflow: String, view: String) async throws {
        let source = try await CLI.run(["graph", Self.workflowPath(workflow), "--view", view, "--format", "dot"]).stdout
        let result = try Graphviz.run(source, format: "svg")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(String(decoding: result.output, as: UTF8.self).contains(">running<"))
    }

    @Test(arguments: workflows, views)
    func mermaidOutputIsAValidStateDiagram(workflow: String, view: String) async throws {
        let source = try await CLI.run(["graph", Self.workflowPath(workflow), "--view", view, "--format", "mermaid"]).stdout
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
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    direction sideways\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    state \"a \"b\"\" as c\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    a\n    class a undefined\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    classDef x fill #fff\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    a\n    class a\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    classDef y fill:#fff\n    class b y\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    state --> a\n").isEmpty)
        #expect(!MermaidStateDiagram.problems(in: "stateDiagram-v2\n    defaultState --> a\n").isEmpty)
        let valid = """
            stateDiagram-v2
                direction LR
                classDef main fill:#dbeafe,stroke:#2563eb
                a
                state "every state but a" as g1
                g1 --> a : x, y
                class a main
                class g1, a main
            """
        #expect(MermaidStateDiagram.problems(in: valid + "\n").isEmpty, "\(MermaidStateDiagram.problems(in: valid))")
    }
}

/// `graph --counts`: the numbers of the board overview, drawn on the SVG.
@Suite struct GraphCountsTests {
    @Test func countsComeFromTheDatabase() async throws {
        let sandbox = try BoardSandbox()
        try await sandbox.ok("project", "create", "Counts", "--key", "C")
        for title in ["one", "two", "three"] { try await sandbox.ok("issue", "create", "--project", "C", "--title", title) }
        let workflow = GraphCommandTests.workflowPath("human-review")
        let drawn = try await sandbox.run(["graph", workflow, "--format", "svg", "--counts"])
        #expect(drawn.status == 0, "\(drawn.stderr)")
        #expect(drawn.stdout.contains("data-state=\"queued\" data-kind=\"main\" data-count=\"3\""))
        #expect(drawn.stdout.contains("data-state=\"closed\" data-kind=\"terminal\" data-count=\"0\""))
        #expect(!(try await sandbox.run(["graph", workflow, "--format", "svg"], db: false)).stdout.contains("data-count"))
    }

    @Test func countsNeedAnSVGAndAnExistingDatabase() async throws {
        let sandbox = try BoardSandbox()
        let workflow = GraphCommandTests.workflowPath("human-review")
        let mermaid = try await sandbox.run(["graph", workflow, "--counts"])
        #expect(mermaid.status == 2)
        #expect(mermaid.stderr.contains("--counts draws numbers on the SVG"))
        let missing = try await sandbox.run(["graph", workflow, "--format", "svg", "--counts"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no database at"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.database), "a read created no database")
    }
}
