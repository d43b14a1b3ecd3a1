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
    /// indicator, indented by the block's indentation; folded ones (`>`) join lines with spaces.
    /// Quoted scalars start one column after the quote.
    static func scalar(_ node: Node, lineOffset: Int, fileLines: [String]) -> PositionMapping {
        let markLine = (node.mark?.line ?? 1) + lineOffset
        let markColumn = node.mark?.column ?? 1
        let style = node.scalar?.style ?? .plain
        if style == .literal || style == .folded {
            let block = BlockLines(after: markLine, in: fileLines)
            if style == .literal {
                return PositionMapping { templateLine, templateColumn in
                    (markLine + templateLine, block.indent + templateColumn)
                }
            }
            let segments = block.foldedSegments()
            return PositionMapping { templateLine, templateColumn in
                let segment =
                    segments.last { $0.templateLine == templateLine && $0.templateColumn <= templateColumn }
                    ?? segments.last ?? FoldedSegment(fileLine: markLine + 1, templateLine: 1, templateColumn: 1)
                return (segment.fileLine, block.indent + templateColumn - segment.templateColumn + 1)
            }
        }
        let quote = style == .plain ? 0 : 1
        return PositionMapping { templateLine, templateColumn in
            if templateLine == 1 { return (markLine, markColumn + quote + templateColumn - 1) }
            return (markLine + templateLine - 1, templateColumn)
        }
    }
}

/// Where one file line of a folded block starts in the folded text.
private struct FoldedSegment {
    var fileLine: Int
    var templateLine: Int
    var templateColumn: Int
}

/// The content lines of a block scalar whose indicator is on `indicatorLine` (1-based).
private struct BlockLines {
    /// (file line, text without the block indentation; empty for blank lines)
    var lines: [(Int, Substring)] = []
    var indent = 0

    init(after indicatorLine: Int, in fileLines: [String]) {
        var index = indicatorLine  // 0-based index of the first content line
        let first = fileLines.dropFirst(indicatorLine).first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        indent = first.prefix { $0 == " " }.count
        while index < fileLines.count {
            let text = Substring(fileLines[index])
            let blank = text.allSatisfy(\.isWhitespace)
            if !blank, text.prefix(while: { $0 == " " }).count < indent { break }
            lines.append((index + 1, blank ? "" : text.dropFirst(indent)))
            index += 1
        }
    }

    /// YAML folding: adjacent lines join with one space; each blank line becomes a line break.
    func foldedSegments() -> [FoldedSegment] {
        var segments: [FoldedSegment] = []
        var templateLine = 1
        var column = 1
        var previousHadText = false
        var blanks = 0
        for (fileLine, text) in lines {
            if text.isEmpty {
                blanks += 1
                continue
            }
            if blanks > 0 {
                templateLine += blanks
                column = 1
            } else if previousHadText {
                column += 1
            }
            segments.append(FoldedSegment(fileLine: fileLine, templateLine: templateLine, templateColumn: column))
            column += text.count
            previousHadText = true
            blanks = 0
        }
        return segments
    }
}
