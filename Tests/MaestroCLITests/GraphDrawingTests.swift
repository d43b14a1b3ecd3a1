import Foundation
import Testing

/// The drawings people look at: the overview must fit a screen and stay legible.
@Suite struct GraphDrawingTests {
    static let root = CLI.packageRoot.appendingPathComponent("WORKFLOW.md").path
    static let workflows = GraphCommandTests.workflows.map(GraphCommandTests.workflowPath) + [root]

    /// `dot -Tpng` at its default resolution must draw the root overview within 1600 × 900 pixels.
    @Test func rootOverviewFitsAScreenWhenGraphvizDrawsIt() async throws {
        let source = try await CLI.run(["graph", Self.root, "--format", "dot"]).stdout
        let scaling = source.range(of: "(^|[\\s;,\\[])(size|dpi|ratio|viewport)=", options: .regularExpression)
        #expect(scaling == nil, "the drawing is not scaled down to fit")
        let png = try Graphviz.run(source, format: "png")
        #expect(png.status == 0, "\(png.stderr)")
        try png.output.write(to: drawingsDirectory().appendingPathComponent("WORKFLOW.overview.dot.png"))
        let size = try #require(pngSize(png.output))
        #expect(size.width <= 1600 && size.height <= 900, "\(size)")
        #expect(size.width >= 800, "a real drawing, not an empty one: \(size)")
    }

    /// Every text Graphviz draws for an overview is at least 10 pt and overlaps no other text.
    @Test(arguments: workflows)
    func overviewLabelsDoNotOverlapWhenGraphvizDrawsThem(workflow: String) async throws {
        let source = try await CLI.run(["graph", workflow, "--format", "dot"]).stdout
        let json = try Graphviz.run(source, format: "json")
        #expect(json.status == 0, "\(json.stderr)")
        let texts = try GraphvizTexts.read(json.output)
        #expect(texts.count > 20)
        for text in texts { #expect(text.size >= 10, "\(text.text) is drawn at \(text.size) pt") }
        for (index, text) in texts.enumerated() {
            for other in texts[(index + 1)...] where text.box.insetBy(dx: 0.5, dy: 0.5).intersects(other.box) {
                Issue.record("'\(text.text)' overlaps '\(other.text)' in \(workflow)")
            }
        }
    }

    /// The check above can fail: texts Graphviz draws on the same spot are found to overlap.
    @Test func overlappingTextsAreFound() throws {
        let source = "graph { layout=neato; a [pos=\"0,0!\", label=\"same spot\"]; b [pos=\"0.1,0!\", label=\"same spot\"]; }"
        let texts = try GraphvizTexts.read(Graphviz.run(source, format: "json").output)
        #expect(texts.count == 2)
        #expect(texts.count == 2 && texts[0].box.intersects(texts[1].box))
    }
}

/// The texts in `dot -Tjson` output, from the draw operations of the graph, its nodes and edges.
struct GraphvizTexts {
    var text: String
    var size: Double
    var box: CGRect

    static func read(_ json: Data) throws -> [GraphvizTexts] {
        let root = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var elements: [[String: Any]] = [root]
        elements += (root["objects"] as? [[String: Any]]) ?? []
        elements += (root["edges"] as? [[String: Any]]) ?? []
        var texts: [GraphvizTexts] = []
        for element in elements {
            for key in ["_ldraw_", "_hldraw_", "_tldraw_"] {
                var size = 14.0
                for operation in (element[key] as? [[String: Any]]) ?? [] {
                    if operation["op"] as? String == "F" { size = operation["size"] as? Double ?? size }
                    guard operation["op"] as? String == "T", let point = operation["pt"] as? [Double],
                        let width = operation["width"] as? Double, let text = operation["text"] as? String
                    else { continue }
                    let align = operation["align"] as? String ?? "c"
                    let left = align == "l" ? point[0] : align == "r" ? point[0] - width : point[0] - width / 2
                    // Graphviz's y axis points up: the glyphs sit above the baseline.
                    let box = CGRect(x: left, y: point[1] - size * 0.25, width: width, height: size * 1.05)
                    texts.append(GraphvizTexts(text: text, size: size, box: box))
                }
            }
        }
        return texts
    }
}
