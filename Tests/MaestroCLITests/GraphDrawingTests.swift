import Foundation
import StateMachine
import Testing
import WorkflowParser

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The drawings people look at: the overview must fit a screen and stay legible, the SVG must be
/// valid and render in a real browser.
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

    @Test(arguments: workflows, GraphCommandTests.views)
    func svgIsWellFormedWithEveryState(workflow: String, view: String) async throws {
        let svg = try await CLI.run(["graph", workflow, "--view", view, "--format", "svg"])
        #expect(svg.status == 0, "\(svg.stderr)")
        let inspector = try SVGInspector(Data(svg.stdout.utf8))
        #expect(inspector.root == "svg")
        #expect(inspector.namespace == "http://www.w3.org/2000/svg")
        let viewBox = inspector.rootAttributes["viewBox"]?.split(separator: " ").compactMap { Double($0) } ?? []
        #expect(viewBox.count == 4 && viewBox[2] > 0 && viewBox[3] > 0, "viewBox \(viewBox)")
        let machine = try WorkflowLoader.load(path: workflow).machine
        #expect(inspector.states.sorted() == machine.states.map(\.rawValue).sorted())
        let drawnEvents = Set(inspector.edges.flatMap(\.events) + inspector.groups.flatMap(\.events))
        #expect(drawnEvents == Set(machine.transitions.map(\.event.rawValue)))
    }

    /// Chromium draws the SVG; the screenshots land in `.build/graph-drawings` for a person to see.
    @Test func svgRendersInChromium() async throws {
        let machine = try WorkflowLoader.load(path: Self.root).machine
        let counts: [LifecycleState: Int] = [.queued: 4, .running: 3, .review: 1, .blocked: 2, .closed: 128]
        let drawings: [(String, String)] = [
            ("WORKFLOW.overview", machine.renderSVG(view: .overview)),
            ("WORKFLOW.overview.counts", machine.renderSVG(view: .overview, counts: counts)),
            ("WORKFLOW.full", machine.renderSVG(view: .full)),
        ]
        let directory = try drawingsDirectory()
        var blank: Int?
        for (name, svg) in drawings + [("blank", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1600\" height=\"900\"/>")] {
            let file = directory.appendingPathComponent("\(name).svg")
            try svg.write(to: file, atomically: true, encoding: .utf8)
            let inspector = try SVGInspector(Data(svg.utf8))
            let width = Int((Double(inspector.rootAttributes["width"] ?? "") ?? 1600).rounded(.up))
            let height = Int((Double(inspector.rootAttributes["height"] ?? "") ?? 900).rounded(.up))
            let png = directory.appendingPathComponent("\(name).png")
            let result = try await Chromium.screenshot(file, to: png, width: width, height: height)
            #expect(result.status == 0, "\(result.stderr)")
            let data = try Data(contentsOf: png)
            let size = try #require(pngSize(data), "\(png.path) is not a PNG")
            #expect(size.width == width && size.height == height, "\(name): \(size)")
            if name == "blank" { blank = data.count } else { #expect(data.count > 40_000, "\(name): \(data.count) bytes") }
        }
        // A drawing compresses far worse than an empty page of the same size.
        #expect((blank ?? .max) < 20_000, "blank page: \(blank ?? -1) bytes")
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

/// Parses an SVG with Foundation's XMLParser and collects what the tests look for.
final class SVGInspector: NSObject, XMLParserDelegate {
    var root: String?
    var namespace: String?
    var rootAttributes: [String: String] = [:]
    var states: [String] = []
    var edges: [(from: String, to: String, events: [String])] = []
    var groups: [(to: String, events: [String], states: [String])] = []

    init(_ data: Data) throws {
        super.init()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.delegate = self
        let parsed = parser.parse()
        #expect(parsed, "not well-formed: \(String(describing: parser.parserError))")
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if root == nil {
            root = elementName
            namespace = namespaceURI
            rootAttributes = attributes
        }
        if let state = attributes["data-state"] { states.append(state) }
        let events = attributes["data-events"]?.split(separator: " ").map(String.init) ?? []
        if attributes["class"] == "ml-edge", let from = attributes["data-from"], let to = attributes["data-to"] {
            edges.append((from, to, events))
        }
        if attributes["class"] == "ml-group", let to = attributes["data-to"] {
            groups.append((to, events, attributes["data-states"]?.split(separator: " ").map(String.init) ?? []))
        }
    }
}
