import Yams

/// Maps a template position (line and column within the template text) to WORKFLOW.md.
struct PositionMapping {
    private let map: @Sendable (Int, Int) -> (Int, Int)

    func filePosition(line: Int, column: Int) -> (line: Int, column: Int) {
        map(line, column)
    }

    /// The body starts at a file position; later lines keep their columns.
    static func body(line: Int, column: Int) -> PositionMapping {
        PositionMapping { templateLine, templateColumn in
            if templateLine == 1 { return (line, column + templateColumn - 1) }
            return (line + templateLine - 1, templateColumn)
        }
    }

    /// A prompt inside a YAML scalar. Block scalars (`|`, `>`) start on the line after their
    /// indicator and are indented; quoted scalars start one column after the quote.
    static func scalar(_ node: Node, lineOffset: Int, fileLines: [String]) -> PositionMapping {
        let markLine = (node.mark?.line ?? 1) + lineOffset
        let markColumn = node.mark?.column ?? 1
        let style = node.scalar?.style ?? .plain
        if style == .literal || style == .folded {
            return PositionMapping { templateLine, templateColumn in
                let fileLine = markLine + templateLine
                let text = fileLine - 1 < fileLines.count ? fileLines[fileLine - 1] : ""
                let indent = text.prefix { $0 == " " }.count
                return (fileLine, indent + templateColumn)
            }
        }
        let quote = style == .plain ? 0 : 1
        return PositionMapping { templateLine, templateColumn in
            if templateLine == 1 { return (markLine, markColumn + quote + templateColumn - 1) }
            return (markLine + templateLine - 1, templateColumn)
        }
    }
}
