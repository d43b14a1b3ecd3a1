extension CompiledMachine {
    /// The lifecycle as a self-contained SVG, drawn by maestro itself with a fixed layout.
    ///
    /// - Parameters:
    ///   - view: `.overview` draws ``LifecycleOverview``; `.full` draws every state pair as its own
    ///     edge on the same layout (guards and effects stay in the other formats).
    ///   - counts: issues per state, drawn as a badge on each state box (a missing state counts 0);
    ///     `nil` draws no badges.
    ///
    /// Every state is a `<g data-state="…">` with the id `maestro-state-<state>`, every edge a
    /// `<g class="ml-edge" data-from data-to data-events>`, every group a `<g class="ml-group"
    /// data-to data-events data-states>`, so a page that embeds the SVG can make them interactive.
    /// Colours follow `prefers-color-scheme`.
    public func renderSVG(view: GraphView = .overview, counts: [LifecycleState: Int]? = nil) -> String {
        let overview = LifecycleOverview(self, grouped: view == .overview)
        return LifecycleSVG(layout: SVGLayout(overview), view: view, counts: counts).render()
    }
}

/// Writes the SVG document for a layout.
struct LifecycleSVG {
    let layout: SVGLayout
    let view: GraphView
    let counts: [LifecycleState: Int]?
    private var bounds = SVGRect(x: SVGLayout.Metrics.left, y: 0, width: 1, height: 1)
    private var body: [String] = []

    init(layout: SVGLayout, view: GraphView, counts: [LifecycleState: Int]?) {
        self.layout = layout
        self.view = view
        self.counts = counts
    }

    consuming func render() -> String {
        header()
        for drawn in layout.edges { edge(drawn) }
        for stub in layout.stubs { self.stub(stub) }
        for place in layout.overview.states { state(place) }
        initialMarker()
        legend()
        let frame = bounds.insetBy(-20)
        let viewBox = [frame.minX, frame.minY, frame.width, frame.height].map(svgNumber).joined(separator: " ")
        var lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"maestro-lifecycle\" data-view=\"\(view.rawValue)\""
                + " viewBox=\"\(viewBox)\" width=\"\(svgNumber(frame.width))\" height=\"\(svgNumber(frame.height))\""
                + " role=\"img\" aria-labelledby=\"maestro-lifecycle-title\" font-family=\"\(SVGPalette.fonts)\">",
            "<title id=\"maestro-lifecycle-title\">\(svgEscaped(layout.overview.title))</title>",
            SVGPalette.style,
            SVGPalette.definitions,
            "<rect class=\"ml-background\" x=\"\(svgNumber(frame.minX))\" y=\"\(svgNumber(frame.minY))\""
                + " width=\"100%\" height=\"100%\" fill=\"\(SVGPalette.background)\"/>",
        ]
        lines += body
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    private mutating func header() {
        let title = view == .overview ? "maestro lifecycle overview" : "maestro lifecycle: every state pair"
        let left = SVGLayout.Metrics.left
        let heading = SVGText(lines: [title], x: left, y: 30, anchor: .start, size: 18)
        let summary = SVGText(lines: [layout.overview.policy.summary], x: left, y: 52, anchor: .start, size: 12)
        body.append(text(heading, attributes: "class=\"ml-title\" font-weight=\"600\" fill=\"\(SVGPalette.text)\""))
        body.append(text(summary, attributes: "class=\"ml-muted\" fill=\"\(SVGPalette.muted)\""))
    }

    private mutating func edge(_ drawn: SVGLayout.DrawnEdge) {
        let events = drawn.edge.events.map(\.rawValue).joined(separator: " ")
        body.append(
            "<g class=\"ml-edge\" data-from=\"\(drawn.edge.from.rawValue)\" data-to=\"\(drawn.edge.to.rawValue)\""
                + " data-events=\"\(events)\">")
        body.append(
            "<path class=\"ml-line\" d=\"\(drawn.path.data())\" fill=\"none\" stroke=\"\(SVGPalette.edge)\""
                + " stroke-width=\"1.4\" marker-end=\"url(#maestro-lifecycle-arrow)\"/>")
        body.append(text(drawn.label, attributes: SVGPalette.labelAttributes))
        body.append("</g>")
        for point in drawn.path.points { include(SVGRect(x: point.x, y: point.y, width: 0, height: 0)) }
    }

    private mutating func stub(_ stub: SVGLayout.DrawnStub) {
        body.append(
            "<path class=\"ml-group-arrow\" data-to=\"\(stub.target.rawValue)\" d=\"\(stub.path.data())\" fill=\"none\""
                + " stroke=\"\(SVGPalette.group)\" stroke-width=\"1.4\" stroke-dasharray=\"5 4\""
                + " marker-end=\"url(#maestro-lifecycle-group-arrow)\"/>")
        for label in stub.labels {
            body.append(groupOpening(label.group))
            body.append(marker(label.group.number, at: label.marker))
            body.append(text(label.text, attributes: SVGPalette.labelAttributes))
            body.append("</g>")
        }
    }

    private func groupOpening(_ group: LifecycleOverview.Group) -> String {
        "<g class=\"ml-group\" data-group=\"\(group.number)\" data-to=\"\(group.to.rawValue)\""
            + " data-events=\"\(group.events.map(\.rawValue).joined(separator: " "))\""
            + " data-states=\"\(group.states.map(\.rawValue).joined(separator: " "))\">"
    }

    /// A numbered circle that ties a group's arrow to its legend line.
    private mutating func marker(_ number: Int, at point: SVGLayout.Point) -> String {
        include(SVGRect(x: point.x - 8, y: point.y - 8, width: 16, height: 16))
        return "<circle class=\"ml-marker\" cx=\"\(svgNumber(point.x))\" cy=\"\(svgNumber(point.y))\" r=\"7.5\""
            + " fill=\"\(SVGPalette.markerFill)\" stroke=\"\(SVGPalette.group)\"/>"
            + "<text class=\"ml-marker-number\" x=\"\(svgNumber(point.x))\" y=\"\(svgNumber(point.y + 3.5))\""
            + " text-anchor=\"middle\" font-size=\"10\" font-weight=\"600\" fill=\"\(SVGPalette.text)\">\(number)</text>"
    }

    private mutating func state(_ place: LifecycleOverview.State) {
        guard let box = layout.boxes[place.state] else { return }
        let name = place.state.rawValue
        let colours = SVGPalette.colours(place.kind)
        let count = counts.map { $0[place.state] ?? 0 }
        let countAttribute = count.map { " data-count=\"\($0)\"" } ?? ""
        body.append(
            "<g class=\"ml-state ml-\(place.kind.rawValue)\" id=\"maestro-state-\(name)\" data-state=\"\(name)\""
                + " data-kind=\"\(place.kind.rawValue)\"\(countAttribute)>")
        body.append("<title>\(name)\(count.map { ": \($0) issue\($0 == 1 ? "" : "s")" } ?? "")</title>")
        body.append(
            "<rect class=\"ml-box\" x=\"\(svgNumber(box.minX))\" y=\"\(svgNumber(box.minY))\" width=\"\(svgNumber(box.width))\""
                + " height=\"\(svgNumber(box.height))\" rx=\"10\" fill=\"\(colours.fill)\" stroke=\"\(colours.stroke)\""
                + " stroke-width=\"\(place.kind == .terminal ? "2.5" : "1.6")\"/>")
        let label = SVGText(lines: [name], x: box.midX, y: box.midY + 5.5, anchor: .middle, size: 15)
        body.append(text(label, attributes: "class=\"ml-name\" font-weight=\"600\" fill=\"\(SVGPalette.text)\""))
        if let count { badge(count, on: box) }
        body.append("</g>")
        include(box)
    }

    /// The count in a pill over the box's top right corner.
    private mutating func badge(_ count: Int, on box: SVGRect) {
        let digits = String(count)
        let width = max(22, Double(digits.count) * 7.5 + 12)
        let pill = SVGRect(x: box.maxX - width + 8, y: box.minY - 11, width: width, height: 22)
        // An empty state keeps a quiet badge, so the eye goes to where the issues are.
        let (zero, fill, ink) =
            count == 0
            ? (" ml-zero", SVGPalette.emptyBadgeFill, SVGPalette.emptyBadgeText)
            : ("", SVGPalette.badgeFill, SVGPalette.badgeText)
        body.append(
            "<g class=\"ml-badge\(zero)\"><rect x=\"\(svgNumber(pill.minX))\" y=\"\(svgNumber(pill.minY))\" width=\"\(svgNumber(width))\""
                + " height=\"22\" rx=\"11\" fill=\"\(fill)\"/><text x=\"\(svgNumber(pill.midX))\""
                + " y=\"\(svgNumber(pill.midY + 4.5))\" text-anchor=\"middle\" font-size=\"12.5\" font-weight=\"700\""
                + " fill=\"\(ink)\">\(digits)</text></g>")
        include(pill)
    }

    private mutating func initialMarker() {
        guard let box = layout.boxes[CompiledMachine.initialState] else { return }
        let dot = (x: box.minX - 40, y: box.midY)
        body.append(
            "<g class=\"ml-initial\"><circle cx=\"\(svgNumber(dot.x))\" cy=\"\(svgNumber(dot.y))\" r=\"5\" fill=\"\(SVGPalette.edge)\"/>"
                + "<path d=\"M\(svgNumber(dot.x + 5)) \(svgNumber(dot.y)) L\(svgNumber(box.minX)) \(svgNumber(dot.y))\""
                + " stroke=\"\(SVGPalette.edge)\" stroke-width=\"1.4\" marker-end=\"url(#maestro-lifecycle-arrow)\"/></g>")
        include(SVGRect(x: dot.x - 5, y: dot.y - 5, width: 10, height: 10))
    }

    /// Swatches for the kinds on the left, the groups with their states on the right.
    private mutating func legend() {
        let overview = layout.overview
        let left = SVGLayout.Metrics.left
        var y = layout.legendTop
        body.append("<g class=\"ml-legend\">")
        for entry in overview.legend where entry.key != "full" && (entry.key != "group" || !overview.groups.isEmpty) {
            if let kind = LifecycleOverview.Kind(rawValue: entry.key) {
                let colours = SVGPalette.colours(kind)
                body.append(
                    "<rect class=\"ml-swatch ml-\(kind.rawValue)\" x=\"\(svgNumber(left))\" y=\"\(svgNumber(y - 11))\" width=\"24\""
                        + " height=\"14\" rx=\"4\" fill=\"\(colours.fill)\" stroke=\"\(colours.stroke)\"/>")
            } else {
                body.append(
                    "<path class=\"ml-group-arrow\" d=\"M\(svgNumber(left)) \(svgNumber(y - 4)) L\(svgNumber(left + 24)) \(svgNumber(y - 4))\""
                        + " stroke=\"\(SVGPalette.group)\" stroke-width=\"1.4\" stroke-dasharray=\"5 4\"/>")
            }
            let line = SVGText(lines: [entry.text], x: left + 34, y: y, anchor: .start, size: 12)
            body.append(text(line, attributes: "class=\"ml-muted\" fill=\"\(SVGPalette.muted)\""))
            y += 20
        }
        let footer = SVGText(lines: [overview.legend.last?.text ?? ""], x: left, y: y + 4, anchor: .start, size: 12)
        body.append(text(footer, attributes: "class=\"ml-muted\" font-style=\"italic\" fill=\"\(SVGPalette.muted)\""))
        let groupsLeft = left + 620
        for (offset, group) in overview.groups.enumerated() {
            let lineY = layout.legendTop + Double(offset) * 20
            let line = "\(LifecycleOverview.names(group.events)) → \(group.to.rawValue)  from \(group.sources)"
            body.append(groupOpening(group))
            body.append(marker(group.number, at: (groupsLeft + 8, lineY - 4)))
            body.append(
                text(SVGText(lines: [line], x: groupsLeft + 22, y: lineY, anchor: .start, size: 12), attributes: "fill=\"\(SVGPalette.text)\""))
            body.append("</g>")
        }
        body.append("</g>")
    }

    /// A `<text>` with one `<tspan>` per line; its area counts towards the drawing's bounds.
    private mutating func text(_ text: SVGText, attributes: String) -> String {
        guard !text.lines.isEmpty else { return "" }
        include(text.bounds)
        let size = svgNumber(text.size)
        let spans = text.lines.enumerated().map { index, line in
            let y = text.y + Double(index) * text.size * SVGText.lineHeight
            return "<tspan x=\"\(svgNumber(text.x))\" y=\"\(svgNumber(y))\">\(svgEscaped(line))</tspan>"
        }
        return "<text text-anchor=\"\(text.anchor.rawValue)\" font-size=\"\(size)\" \(attributes)>" + spans.joined() + "</text>"
    }

    private mutating func include(_ rect: SVGRect) {
        bounds = bounds.union(rect)
    }
}
