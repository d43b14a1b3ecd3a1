import Foundation

/// Plain text tables for terminals: left-aligned columns; cells made safe to print (control
/// characters and escape sequences replaced) and truncated, so one long or hostile title cannot
/// garble or widen every row. `--json` output is never truncated.
enum TextTable {
    static let maximumCellWidth = 60

    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let cleaned = [header] + rows.map { $0.map { truncated(clean($0)) } }
        let widths = header.indices.map { column in cleaned.map { $0[column].count }.max() ?? 0 }
        return cleaned.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Control characters (newlines, ESC, …) become visible `?`.
    static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }

    static func truncated(_ text: String) -> String {
        text.count <= maximumCellWidth ? text : String(text.prefix(maximumCellWidth - 1)) + "…"
    }
}
