import Foundation
import Testing

@testable import StateMachine

@Suite struct SVGTests {
    /// `<g … data-state="x" …>` opening tags, by state.
    static func stateTags(_ svg: String) -> [String: String] {
        var tags: [String: String] = [:]
        for line in svg.split(separator: "\n") where line.hasPrefix("<g class=\"ml-state") {
            if let range = line.range(of: "data-state=\"") {
                let name = line[range.upperBound...].prefix { $0 != "\"" }
                tags[String(name)] = String(line)
            }
        }
        return tags
    }

    @Test func countsAppearAsABadgeOnEveryState() throws {
        let machine = try CompiledMachine.compile(Policies.full)
        let svg = machine.renderSVG(view: .overview, counts: [.running: 3, .blocked: 12])
        let tags = Self.stateTags(svg)
        #expect(Set(tags.keys) == Set(machine.states.map(\.rawValue)))
        #expect(tags["running"]?.contains("data-count=\"3\"") == true)
        #expect(tags["blocked"]?.contains("data-count=\"12\"") == true)
        #expect(tags["queued"]?.contains("data-count=\"0\"") == true, "a state without a count shows 0")
        #expect(svg.components(separatedBy: "<g class=\"ml-badge").count - 1 == machine.states.count)
        #expect(svg.components(separatedBy: "<g class=\"ml-badge ml-zero\"").count - 1 == machine.states.count - 2)
        #expect(svg.contains(">12</text>"))
        #expect(svg.contains("<title>running: 3 issues</title>"))
    }

    @Test func withoutCountsThereAreNoBadges() throws {
        let svg = try CompiledMachine.compile(Policies.full).renderSVG()
        #expect(!svg.contains("<g class=\"ml-badge") && !svg.contains("data-count"))
        #expect(svg == (try CompiledMachine.compile(Policies.full).render(.svg, view: .overview)))
    }

    @Test func statesHaveStableIdsAndKinds() throws {
        let machine = try CompiledMachine.compile(Policies.full)
        let tags = Self.stateTags(machine.renderSVG())
        #expect(tags["running"]?.contains("id=\"maestro-state-running\"") == true)
        #expect(tags["running"]?.contains("data-kind=\"main\"") == true)
        #expect(tags["blocked"]?.contains("data-kind=\"side\"") == true)
        #expect(tags["closed"]?.contains("data-kind=\"terminal\"") == true)
    }

    /// The fixed layout never lets a box or a label hide another; arcs and tracks sharing a level
    /// never run along the same stretch.
    @Test(arguments: Policies.all, [true, false])
    func nothingCoversABoxOrAnotherLabel(policy: MachinePolicy, grouped: Bool) throws {
        let layout = SVGLayout(LifecycleOverview(try CompiledMachine.compile(policy), grouped: grouped))
        let boxes = Array(layout.boxes.values)
        for (index, box) in boxes.enumerated() {
            for other in boxes[(index + 1)...] { #expect(!box.insetBy(-20).intersects(other)) }
        }
        var labels = layout.edges.map { ("\($0.edge.from)->\($0.edge.to)", $0.label.bounds) }
        labels += layout.stubs.flatMap { stub in stub.labels.map { ("group \($0.group.number)", $0.text.bounds) } }
        for (name, label) in labels {
            for box in boxes { #expect(!label.insetBy(2).intersects(box), "\(name) covers a state") }
        }
        guard grouped else { return }  // the full view may crowd its band; the overview may not
        for (index, label) in labels.enumerated() {
            for other in labels[(index + 1)...] {
                #expect(!label.1.insetBy(2).intersects(other.1), "\(label.0) covers \(other.0)")
            }
        }
    }

    @Test func svgNumbersAreShortAndExact() {
        #expect(svgNumber(12) == "12")
        #expect(svgNumber(12.25) == "12.3")
        #expect(svgNumber(-0.5) == "-0.5")
        #expect(svgNumber(-12.04) == "-12")
        #expect(svgEscaped("a < b & \"c\"") == "a &lt; b &amp; &quot;c&quot;")
    }
}

@Suite struct SVGGeometryTests {
    @Test func segmentsCrossingARectangleAreFound() {
        let rect = SVGRect(x: 10, y: 10, width: 20, height: 10)
        #expect(SVGLayout.segment((0, 0), (40, 30), crosses: rect))
        #expect(SVGLayout.segment((20, 0), (20, 40), crosses: rect))
        #expect(!SVGLayout.segment((0, 0), (40, 0), crosses: rect))
        #expect(!SVGLayout.segment((0, 30), (8, 0), crosses: rect))
        #expect(!SVGLayout.segment((10, 10), (10, 10), crosses: rect.insetBy(1)))
    }
}
