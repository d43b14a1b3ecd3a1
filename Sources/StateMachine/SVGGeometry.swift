import Foundation

/// Plain geometry for the SVG drawing. Text is measured by estimate (no fonts in a pure module):
/// `0.6 em` per character, slightly more than DejaVu Sans and Helvetica need on average.
struct SVGRect: Hashable {
    var x, y, width, height: Double

    var minX: Double { x }
    var maxX: Double { x + width }
    var minY: Double { y }
    var maxY: Double { y + height }
    var midX: Double { x + width / 2 }
    var midY: Double { y + height / 2 }

    func intersects(_ other: SVGRect) -> Bool {
        minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
    }

    func insetBy(_ amount: Double) -> SVGRect {
        SVGRect(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
    }

    func union(_ other: SVGRect) -> SVGRect {
        let left = min(minX, other.minX)
        let top = min(minY, other.minY)
        return SVGRect(x: left, y: top, width: max(maxX, other.maxX) - left, height: max(maxY, other.maxY) - top)
    }
}

/// A block of text lines: where it is anchored and the rectangle it covers.
struct SVGText: Hashable {
    enum Anchor: String { case start, middle, end }

    var lines: [String]
    /// The anchor point of the first line's baseline.
    var x, y: Double
    var anchor: Anchor
    var size: Double

    static let lineHeight = 1.3

    static func width(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }

    var width: Double { lines.map { Self.width($0, size: size) }.max() ?? 0 }

    /// The covered rectangle, with a little room for the halo.
    var bounds: SVGRect {
        let left: Double
        switch anchor {
        case .start: left = x
        case .middle: left = x - width / 2
        case .end: left = x - width
        }
        let height = Double(lines.count - 1) * size * Self.lineHeight + size * 1.15
        return SVGRect(x: left - 3, y: y - size * 0.9 - 2, width: width + 6, height: height + 3)
    }

    /// Text centred on `point`, lines stacked so the block's middle sits there.
    static func centred(_ lines: [String], at point: (x: Double, y: Double), size: Double) -> SVGText {
        let blockHeight = Double(lines.count - 1) * size * lineHeight
        return SVGText(lines: lines, x: point.x, y: point.y - blockHeight / 2 + size * 0.35, anchor: .middle, size: size)
    }
}

/// Formats a coordinate for SVG: at most one decimal, no trailing `.0`.
func svgNumber(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    let magnitude = abs(tenths)
    let sign = tenths < 0 ? "-" : ""
    return sign + String(magnitude / 10) + (magnitude % 10 == 0 ? "" : "." + String(magnitude % 10))
}

/// Escapes text for SVG content and attribute values.
func svgEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// Builds an SVG path: straight segments, with corners rounded where the path turns at right angles.
struct SVGPath {
    private(set) var points: [(x: Double, y: Double)] = []

    init(_ points: [(x: Double, y: Double)]) {
        self.points = points
    }

    /// `M … L …`, with each inner corner replaced by a quadratic curve of radius `radius`.
    func data(radius: Double = 8) -> String {
        guard let first = points.first else { return "" }
        var parts = ["M\(svgNumber(first.x)) \(svgNumber(first.y))"]
        for index in points.indices.dropFirst() {
            let point = points[index]
            if index == points.count - 1 {
                parts.append("L\(svgNumber(point.x)) \(svgNumber(point.y))")
                continue
            }
            let before = points[index - 1]
            let after = points[index + 1]
            let into = min(radius, distance(before, point) / 2)
            let out = min(radius, distance(point, after) / 2)
            let entry = toward(point, from: before, by: into)
            let exit = toward(point, from: after, by: out)
            parts.append("L\(svgNumber(entry.x)) \(svgNumber(entry.y))")
            parts.append("Q\(svgNumber(point.x)) \(svgNumber(point.y)) \(svgNumber(exit.x)) \(svgNumber(exit.y))")
        }
        return parts.joined(separator: " ")
    }

    private func distance(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
        ((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)).squareRoot()
    }

    /// The point `amount` before `corner` on the segment coming from `origin`.
    private func toward(_ corner: (x: Double, y: Double), from origin: (x: Double, y: Double), by amount: Double)
        -> (x: Double, y: Double)
    {
        let length = distance(origin, corner)
        guard length > 0 else { return corner }
        return (corner.x + (origin.x - corner.x) * amount / length, corner.y + (origin.y - corner.y) * amount / length)
    }
}
