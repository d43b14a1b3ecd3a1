/// Spreads the ends of lines along the top or bottom of a box, ordered so lines leave without
/// crossing each other near the box.
struct SVGPorts {
    enum Side: Hashable { case top, bottom }

    private struct Request {
        var id: String
        var order: Double
        var tie: Int
    }

    private var requests: [LifecycleState: [Side: [Request]]] = [:]
    private var positions: [String: Double] = [:]

    mutating func request(_ state: LifecycleState, _ side: Side, id: String, order: Double, tie: Int = 0) {
        requests[state, default: [:]][side, default: []].append(Request(id: id, order: order, tie: tie))
    }

    /// Evenly spaced over the side; the top keeps its right corner free for the count badge.
    mutating func resolve(_ boxes: [LifecycleState: SVGRect]) {
        for (state, sides) in requests {
            guard let box = boxes[state] else { continue }
            for (side, list) in sides {
                let low = box.minX + 12
                let high = box.maxX - (side == .top ? 26 : 12)
                let sorted = list.sorted { ($0.order, $0.tie, $0.id) < ($1.order, $1.tie, $1.id) }
                for (index, request) in sorted.enumerated() {
                    positions[request.id] = low + (Double(index) + 0.5) * (high - low) / Double(sorted.count)
                }
            }
        }
    }

    func x(_ id: String) -> Double { positions[id] ?? 0 }

    /// Nested lines leaving one box to the same side: the one going farther (and so on an outer
    /// level) leaves nearer the middle, so it never cuts through the nearer one.
    static func nesting(from x: Double, to other: Double) -> Double {
        other < x ? -1000 + (x - other) : 1000 - (other - x)
    }
}

extension SVGLayout {
    typealias Point = (x: Double, y: Double)

    mutating func requestPorts() {
        for (index, drawn) in edges.enumerated() {
            let (from, to) = (drawn.edge.from, drawn.edge.to)
            guard let a = boxes[from], let b = boxes[to] else { continue }
            switch drawn.route {
            case .adjacent: break
            case .arc:
                ports.request(from, .top, id: "\(index).from", order: SVGPorts.nesting(from: a.midX, to: b.midX))
                ports.request(to, .top, id: "\(index).to", order: SVGPorts.nesting(from: b.midX, to: a.midX))
            case .band:
                ports.request(from, row(from) == 0 ? .bottom : .top, id: "\(index).from", order: b.midX, tie: index)
                ports.request(to, row(to) == 0 ? .bottom : .top, id: "\(index).to", order: a.midX, tie: index)
            case .track:
                ports.request(from, .bottom, id: "\(index).from", order: SVGPorts.nesting(from: a.midX, to: b.midX))
                ports.request(to, .bottom, id: "\(index).to", order: SVGPorts.nesting(from: b.midX, to: a.midX))
            case .loop:
                let side: SVGPorts.Side = row(from) == 0 ? .top : .bottom
                ports.request(from, side, id: "\(index).from", order: -10_000)
                ports.request(from, side, id: "\(index).to", order: -9_999)
            }
        }
        for place in overview.states where overview.groups.contains(where: { $0.to == place.state }) {
            let leftHalf = place.row == 0 && Self.extendsLeft(place.column, of: overview.mainPath.count)
            ports.request(place.state, place.row == 0 ? .top : .bottom, id: "stub.\(place.state)", order: leftHalf ? -5_000 : 5_000)
        }
        ports.resolve(boxes)
    }

    /// Group labels of a main state in the left half go left, away from the rest of the drawing.
    static func extendsLeft(_ column: Int, of count: Int) -> Bool { column * 2 < count - 1 }

    mutating func routeEdges() {
        for index in edges.indices {
            let drawn = edges[index]
            let (from, to) = (drawn.edge.from, drawn.edge.to)
            guard let a = boxes[from], let b = boxes[to] else { continue }
            let (start, end) = (ports.x("\(index).from"), ports.x("\(index).to"))
            let oneLine = [LifecycleOverview.names(drawn.edge.events)]
            let stacked = drawn.edge.events.map(\.rawValue)
            let size = Metrics.labelSize
            switch drawn.route {
            case .adjacent(let lane):
                let y = a.midY + Double(lane) * 7
                let rightward = a.midX < b.midX
                let (x1, x2) = rightward ? (a.maxX, b.minX) : (a.minX, b.maxX)
                edges[index].path = SVGPath([(x1, y), (x2, y)])
                let above = lane <= 0
                let first = above ? y - 6 - Double(stacked.count - 1) * size * SVGText.lineHeight : y + 16
                edges[index].label = SVGText(lines: stacked, x: (x1 + x2) / 2, y: first, anchor: .middle, size: size)
            case .arc(let level):
                let y = mainTop - 34 - Double(level) * Metrics.levelPitch
                edges[index].path = SVGPath([(start, a.minY), (start, y), (end, y), (end, b.minY)])
                edges[index].label = SVGText(lines: oneLine, x: (start + end) / 2, y: y - 5, anchor: .middle, size: size)
            case .band:
                let y1 = row(from) == 0 ? a.maxY : a.minY
                let y2 = row(to) == 0 ? b.maxY : b.minY
                edges[index].path = SVGPath([(start, y1), (end, y2)])
            case .track(let level):
                let y = trackTop + Double(level) * Metrics.levelPitch
                edges[index].path = SVGPath([(start, a.maxY), (start, y), (end, y), (end, b.maxY)])
                edges[index].label = SVGText(lines: oneLine, x: (start + end) / 2, y: y - 5, anchor: .middle, size: size)
            case .loop:
                let top = row(from) == 0
                let edgeY = top ? a.minY : a.maxY
                let y = top ? edgeY - 26 : edgeY + 26
                edges[index].path = SVGPath([(start, edgeY), (start, y), (end, y), (end, edgeY)])
                edges[index].label = SVGText(
                    lines: oneLine, x: (start + end) / 2, y: top ? y - 5 : y + 15, anchor: .middle, size: size)
            }
        }
    }

    /// A short dashed arrow into each group's target, with its groups' numbered events beside it.
    mutating func placeStubs() {
        for place in overview.states {
            let arriving = overview.groups.filter { $0.to == place.state }
            guard !arriving.isEmpty, let box = boxes[place.state] else { continue }
            let x = ports.x("stub.\(place.state)")
            let main = place.row == 0
            // Side labels run right, unless they would reach the next side stub's labels.
            let widest =
                arriving.map {
                    SVGText(lines: [LifecycleOverview.names($0.events)], x: 0, y: 0, anchor: .start, size: Metrics.labelSize).bounds.width
                }
                .max() ?? 0
            let nextStub = overview.states.filter { other in
                other.row == place.row && other.column > place.column && overview.groups.contains { $0.to == other.state }
            }.map { ports.x("stub.\($0.state)") }.min()
            let crowded = !main && nextStub.map { x + 25 + widest > $0 - 10 } == true
            let leftward = main ? Self.extendsLeft(place.column, of: overview.mainPath.count) : crowded
            let tail = main ? box.minY - Metrics.stubLength : box.maxY + Metrics.stubLength
            var labels: [(group: LifecycleOverview.Group, text: SVGText, marker: Point)] = []
            for (offset, group) in arriving.enumerated() {
                let y =
                    main
                    ? box.minY - 17 - Double(arriving.count - 1 - offset) * Metrics.lineStep
                    : box.maxY + 17 + Double(offset) * Metrics.lineStep
                let marker: Point = (leftward ? x - 14 : x + 14, y - 4)
                let text = SVGText(
                    lines: [LifecycleOverview.names(group.events)], x: leftward ? x - 25 : x + 25, y: y,
                    anchor: leftward ? .end : .start, size: Metrics.labelSize)
                labels.append((group, text, marker))
            }
            stubs.append(DrawnStub(target: place.state, path: SVGPath([(x, tail), (x, main ? box.minY : box.maxY)]), labels: labels))
        }
    }

    /// Each band label goes at the first point along its line where it covers no box, no other label
    /// and, if it can, no other line (a label on a crossing reads as belonging to either line); the
    /// labels with the most lines choose first.
    mutating func placeBandLabels() {
        var taken = boxes.values.map { $0.insetBy(-3) }
        taken += edges.filter { $0.route != .band }.map(\.label.bounds)
        for stub in stubs {
            taken += stub.labels.map { $0.text.bounds.union(SVGRect(x: $0.marker.x - 8, y: $0.marker.y - 8, width: 16, height: 16)) }
        }
        let band = edges.indices.filter { edges[$0].route == .band }.sorted {
            let (a, b) = (edges[$0].edge.events.count, edges[$1].edge.events.count)
            return a != b ? a > b : $0 < $1
        }
        for index in band {
            let points = edges[index].path.points
            guard points.count == 2 else { continue }
            let lines = edges[index].edge.events.map(\.rawValue)
            let others = edges.indices.filter { $0 != index }.flatMap { other in
                zip(edges[other].path.points, edges[other].path.points.dropFirst()).map { ($0, $1) }
            }
            var best: (text: SVGText, cost: Double)?
            for t in [0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75, 0.18, 0.82] {
                let point = (points[0].x + (points[1].x - points[0].x) * t, points[0].y + (points[1].y - points[0].y) * t)
                let text = SVGText.centred(lines, at: point, size: Metrics.labelSize)
                let overlap = taken.reduce(0.0) { $0 + Self.overlapArea(text.bounds, $1) }
                let crossings = others.filter { Self.segment($0.0, $0.1, crosses: text.bounds) }.count
                let cost = overlap * 1000 + Double(crossings)
                if best == nil || cost < best!.cost { best = (text, cost) }
                if cost == 0 { break }
            }
            if let best {
                edges[index].label = best.text
                taken.append(best.text.bounds)
            }
        }
    }

    /// Whether the segment from `a` to `b` passes through `rect` (Liang–Barsky clipping).
    static func segment(_ a: Point, _ b: Point, crosses rect: SVGRect) -> Bool {
        let (dx, dy) = (b.x - a.x, b.y - a.y)
        var (low, high) = (0.0, 1.0)
        for (p, q) in [(-dx, a.x - rect.minX), (dx, rect.maxX - a.x), (-dy, a.y - rect.minY), (dy, rect.maxY - a.y)] {
            if p == 0 {
                if q <= 0 { return false }
            } else if p < 0 {
                low = max(low, q / p)
            } else {
                high = min(high, q / p)
            }
        }
        return low < high
    }

    private static func overlapArea(_ a: SVGRect, _ b: SVGRect) -> Double {
        let width = min(a.maxX, b.maxX) - max(a.minX, b.minX)
        let height = min(a.maxY, b.maxY) - max(a.minY, b.minY)
        return width > 0 && height > 0 ? width * height : 0
    }
}
