import Foundation

/// A WORKFLOW.md split into its YAML front matter and its prompt body.
struct WorkflowDocument {
    /// The YAML between the leading `---` and the closing `---`; `nil` without front matter.
    var frontMatter: String?
    /// File line of the first front matter line (the line after the opening `---`).
    var frontMatterFirstLine: Int
    /// The prompt body, trimmed.
    var body: String
    /// File line and column of the body's first character.
    var bodyLine: Int
    var bodyColumn: Int

    enum SplitError: Error {
        /// The opening `---` is never closed; the line of the opening fence.
        case unterminated(line: Int)
        /// Blank lines come before what is meant as the opening `---` (on `line`): the front
        /// matter would silently become prompt text.
        case blankLinesBeforeFence(count: Int, line: Int)
    }

    /// Splits `text`. Front matter is present only when the very first line is `---`.
    static func split(_ text: String) throws(SplitError) -> WorkflowDocument {
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }.map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        let isFence = { (line: Substring) in line.trimmingCharacters(in: .whitespaces) == "---" }
        guard let first = lines.first, isFence(first) else {
            if let fence = lines.firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }), fence > 0, isFence(lines[fence]),
                lines[(fence + 1)...].contains(where: isFence)
            {
                throw .blankLinesBeforeFence(count: fence, line: fence + 1)
            }
            return trimmedBody(lines: lines[...], firstLine: 1, frontMatter: nil)
        }
        guard let close = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" })
        else { throw .unterminated(line: 1) }
        let yaml = lines[1..<close].joined(separator: "\n")
        return trimmedBody(lines: lines[(close + 1)...], firstLine: close + 2, frontMatter: yaml)
    }

    private static func trimmedBody(lines: ArraySlice<Substring>, firstLine: Int, frontMatter: String?)
        -> WorkflowDocument
    {
        var line = firstLine
        var column = 1
        for text in lines {
            if let offset = text.firstIndex(where: { !$0.isWhitespace }) {
                column = text.distance(from: text.startIndex, to: offset) + 1
                break
            }
            line += 1
        }
        let body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return WorkflowDocument(
            frontMatter: frontMatter, frontMatterFirstLine: frontMatter == nil ? 1 : 2, body: body, bodyLine: line, bodyColumn: column)
    }
}
