/// Where every part of the SVG drawing goes. The grid is fixed for the lifecycle's known shape (the
/// overview's rows and columns); only which states and edges exist depends on the workflow.
///
/// Zones, top to bottom: title; arcs over the main path (edges between main states that are not
/// neighbours, each on its own level) and the group arrows into main states; the main path; the band
/// of straight edges between main and side states; the side states; group arrows into side states;
/// tracks under everything (edges between side states, and from a side state to a distant main
/// state); the legend.
struct SVGLayout {
    enum Metrics {
        static let boxWidth = 116.0
        static let boxHeight = 44.0
        static let columnPitch = 232.0
        static let levelPitch = 24.0
        static let bandHeight = 190.0
        static let header = 70.0
        static let stubLength = 30.0
        static let lineStep = 17.0
        static let labelSize = 12.0
        static let left = 80.0
    }

    /// How an edge is drawn.
    enum Route: Hashable {
        /// Neighbours on the main path: a straight line; `lane` -1 above the middle, 1 below, 0 on it.
        case adjacent(lane: Int)
        /// Over the main path on `level`.
        case arc(level: Int)
        /// Straight between the main row and the side row.
        case band
        /// Under the side row on `level`.
        case track(level: Int)
        /// From a state to itself.
        case loop
    }

    struct DrawnEdge {
        var edge: LifecycleOverview.Edge
        var route: Route
        var path = SVGPath([])
        var label = SVGText(lines: [], x: 0, y: 0, anchor: .middle, size: Metrics.labelSize)
    }

    /// The dashed arrow into a group's target and one numbered label per group.
    struct DrawnStub {
        var target: LifecycleState
        var path: SVGPath
        var labels: [(group: LifecycleOverview.Group, text: SVGText, marker: (x: Double, y: Double))]
    }

    let overview: LifecycleOverview
    var boxes: [LifecycleState: SVGRect] = [:]
    var edges: [DrawnEdge] = []
    var stubs: [DrawnStub] = []
    var mainTop = 0.0
    var sideTop = 0.0
    var trackTop = 0.0
    var legendTop = 0.0
    var ports = SVGPorts()

    init(_ overview: LifecycleOverview) {
        self.overview = overview
        edges = overview.edges.map { DrawnEdge(edge: $0, route: route(of: $0)) }
        assignLevels()
        placeRows()
        requestPorts()
        routeEdges()
        placeStubs()
        placeBandLabels()
    }

    func row(_ state: LifecycleState) -> Int { overview.place(of: state)?.row ?? 0 }
    func column(_ state: LifecycleState) -> Int { overview.place(of: state)?.column ?? 0 }

    /// Whether a side state stands in `column`, so nothing may pass vertically through it.
    func sideOccupies(_ column: Int) -> Bool {
        overview.states.contains { $0.row == 1 && $0.column == column }
    }

    private func route(of edge: LifecycleOverview.Edge) -> Route {
        if edge.from == edge.to { return .loop }
        let (from, to) = (row(edge.from), row(edge.to))
        if from == 0, to == 0 {
            guard abs(column(edge.from) - column(edge.to)) == 1 else { return .arc(level: 0) }
            let paired = overview.edges.contains { $0.from == edge.to && $0.to == edge.from }
            return .adjacent(lane: paired ? (column(edge.from) < column(edge.to) ? -1 : 1) : 0)
        }
        if from == 1, to == 1 { return .track(level: 0) }
        let main = from == 0 ? edge.from : edge.to
        let side = from == 0 ? edge.to : edge.from
        // Returns to a distant main state (back to the queue) run under the side row, out of the band.
        let distance = abs(column(main) - column(side))
        let far = (distance >= 3 || (distance == 2 && from == 1)) && !sideOccupies(column(main))
        return far ? .track(level: 0) : .band
    }

    /// Arcs and tracks whose spans overlap go on different levels, shortest nearest the states.
    private mutating func assignLevels() {
        for isArc in [true, false] {
            let indices = edges.indices.filter {
                switch edges[$0].route {
                case .arc: isArc
                case .track: !isArc
                default: false
                }
            }
            var taken: [[(Int, Int)]] = []
            let spans = indices.map { index -> (Int, Int, Int) in
                let (a, b) = (column(edges[index].edge.from), column(edges[index].edge.to))
                return (index, min(a, b), max(a, b))
            }
            for (index, low, high) in spans.sorted(by: { ($0.2 - $0.1, $0.1, $0.0) < ($1.2 - $1.1, $1.1, $1.0) }) {
                var level = 0
                // A shared end column is fine: ports keep the two ends apart.
                while level < taken.count, taken[level].contains(where: { low < $0.1 && $0.0 < high }) {
                    level += 1
                }
                if level == taken.count { taken.append([]) }
                taken[level].append((low, high))
                edges[index].route = isArc ? .arc(level: level) : .track(level: level)
            }
        }
    }

    /// The deepest level a route kind uses, plus one (0 when there is none).
    func levels(arcs: Bool) -> Int {
        edges.compactMap { edge -> Int? in
            switch edge.route {
            case .arc(let level): arcs ? level + 1 : nil
            case .track(let level): arcs ? nil : level + 1
            default: nil
            }
        }.max() ?? 0
    }

    /// Group labels stacked at a target of `row`: the most any one target has.
    func stubLines(row: Int) -> Int {
        overview.states.filter { $0.row == row }.map { place in overview.groups.filter { $0.to == place.state }.count }
            .max() ?? 0
    }

    func hasLoop(row: Int) -> Bool {
        edges.contains { $0.route == .loop && self.row($0.edge.from) == row }
    }

    private mutating func placeRows() {
        let arcZone = levels(arcs: true) == 0 ? 0 : Double(levels(arcs: true)) * Metrics.levelPitch + 30
        let mainStubs = stubLines(row: 0)
        let stubZone = mainStubs == 0 ? 0 : 18 + Double(mainStubs) * Metrics.lineStep + 8
        mainTop = Metrics.header + max(arcZone, stubZone, hasLoop(row: 0) ? 52 : 0) + 10
        sideTop = mainTop + Metrics.boxHeight + Metrics.bandHeight
        let sideStubs = stubLines(row: 1)
        let below = max(
            sideStubs == 0 ? 0 : Metrics.stubLength + Double(sideStubs) * Metrics.lineStep, hasLoop(row: 1) ? 44 : 0)
        trackTop = sideTop + Metrics.boxHeight + below + 28
        let tracks = levels(arcs: false)
        legendTop = (tracks == 0 ? trackTop - 10 : trackTop + Double(tracks - 1) * Metrics.levelPitch + 12) + 30
        for place in overview.states {
            let x = Metrics.left + Double(place.column) * Metrics.columnPitch
            boxes[place.state] = SVGRect(
                x: x, y: place.row == 0 ? mainTop : sideTop, width: Metrics.boxWidth, height: Metrics.boxHeight)
        }
    }
}
