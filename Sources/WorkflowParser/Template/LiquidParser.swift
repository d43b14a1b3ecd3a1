// Builds the block structure (if/unless/for/comment/raw) from lexed segments.

struct LiquidParser {
    /// A `{% name ... %}` with a parser positioned after the name.
    private struct Tag {
        var name: String
        var position: LiquidPosition
        var arguments: LiquidExpressionParser
    }

    /// The block whose body is being parsed, for mismatch and "never closed" errors.
    private struct OpenBlock {
        var name: String
        var position: LiquidPosition
        var terminators: Set<String>
    }

    static let knownTags = [
        "if", "elsif", "else", "endif", "unless", "endunless", "for", "endfor",
        "comment", "endcomment", "raw", "endraw",
    ]
    private static let closingTags: Set<String> = [
        "elsif", "else", "endif", "endunless", "endfor", "endcomment", "endraw",
    ]

    private let segments: [LiquidSegment]
    private var index = 0

    init(segments: [LiquidSegment]) {
        self.segments = segments
    }

    mutating func parseDocument() throws(TemplateError) -> [LiquidNode] {
        try parseBody(in: nil).nodes
    }

    // MARK: Bodies

    /// Parses nodes until a terminator of `block` (returned) or the end (nil).
    private mutating func parseBody(in block: OpenBlock?) throws(TemplateError) -> (nodes: [LiquidNode], end: Tag?) {
        var nodes: [LiquidNode] = []
        while index < segments.count {
            let segment = segments[index]
            index += 1
            guard case .markup(let markup) = segment else {
                if case .text(let text) = segment, !text.isEmpty { nodes.append(.text(text)) }
                continue
            }
            if markup.isOutput {
                nodes.append(.output(try parseOutput(markup)))
                continue
            }
            guard let tag = try parseTag(markup) else { continue }
            if let block, block.terminators.contains(tag.name) { return (nodes, tag) }
            switch tag.name {
            case "if", "unless": nodes.append(.conditional(try parseConditional(tag)))
            case "for": nodes.append(.forLoop(try parseFor(tag)))
            case "comment": try skipComment(tag)
            case "raw": nodes.append(contentsOf: try parseRaw(tag))
            default: throw misplaced(tag, in: block)
            }
        }
        return (nodes, nil)
    }

    private mutating func parseBlockBody(_ block: OpenBlock) throws(TemplateError) -> (nodes: [LiquidNode], end: Tag) {
        let (nodes, end) = try parseBody(in: block)
        guard let end else {
            throw .parse("'\(block.name)' opened at \(block.position) is never closed", at: block.position)
        }
        return (nodes, end)
    }

    private func misplaced(_ tag: Tag, in block: OpenBlock?) -> TemplateError {
        guard Self.closingTags.contains(tag.name) else {
            let hint = LiquidSuggestion.hint(for: tag.name, among: Self.knownTags)
            return .parse("unknown tag '\(tag.name)'\(hint)", at: tag.position)
        }
        if let block {
            return .parse("unexpected '\(tag.name)' inside '\(block.name)' opened at \(block.position)", at: tag.position)
        }
        if tag.name.hasPrefix("end") {
            return .parse("'\(tag.name)' without matching '\(tag.name.dropFirst(3))'", at: tag.position)
        }
        return .parse("'\(tag.name)' outside of an 'if', 'unless' or 'for' block", at: tag.position)
    }

    // MARK: Markup

    private func parseOutput(_ markup: LiquidMarkup) throws(TemplateError) -> LiquidOutput {
        let (tokens, end) = try LiquidTokenizer.tokenize(markup)
        var parser = LiquidExpressionParser(tokens: tokens, end: end)
        if parser.isAtEnd { throw .parse("empty output tag", at: markup.open) }
        let value = try parser.parseValue()
        let filters = try parser.parseFilters()
        try parser.expectEnd(in: "output")
        return LiquidOutput(value: value, filters: filters, source: LiquidText.trim(String(markup.content)))
    }

    /// Nil for inline comments (`{% # note %}`).
    private func parseTag(_ markup: LiquidMarkup) throws(TemplateError) -> Tag? {
        let head = LiquidLexer.tagName(of: markup)
        if head?.name == "#" { return nil }
        // Reject unknown tags before tokenizing, so `assign x = 1` is reported
        // as an unknown tag rather than as a stray '='.
        if let head, !Self.knownTags.contains(head.name) {
            let hint = LiquidSuggestion.hint(for: head.name, among: Self.knownTags)
            throw .parse("unknown tag '\(head.name)'\(hint)", at: head.position)
        }
        let (tokens, end) = try LiquidTokenizer.tokenize(markup)
        guard let first = tokens.first else { throw .parse("missing tag name", at: markup.open) }
        guard case .identifier(let name) = first.kind else {
            throw .parse("expected a tag name but found \(first.display)", at: first.position)
        }
        let arguments = LiquidExpressionParser(tokens: tokens, startIndex: 1, end: end)
        return Tag(name: name, position: first.position, arguments: arguments)
    }

    private func expectNoArguments(_ tag: Tag) throws(TemplateError) {
        var arguments = tag.arguments
        try arguments.expectEnd(in: "'\(tag.name)' tag")
    }

    // MARK: Blocks

    private mutating func parseConditional(_ open: Tag) throws(TemplateError) -> LiquidConditional {
        let endName = "end\(open.name)"
        let block = OpenBlock(name: open.name, position: open.position, terminators: ["elsif", "else", endName])
        var head = open
        var branches: [LiquidBranch] = []
        while true {
            var arguments = head.arguments
            if arguments.isAtEnd { throw .parse("'\(head.name)' needs a condition", at: head.position) }
            let condition = try arguments.parseCondition()
            try arguments.expectEnd(in: "'\(head.name)' tag")
            let (body, terminator) = try parseBlockBody(block)
            branches.append(LiquidBranch(condition: condition, negated: head.name == "unless", body: body))
            if terminator.name == "elsif" {
                head = terminator
                continue
            }
            try expectNoArguments(terminator)
            guard terminator.name == "else" else { return LiquidConditional(branches: branches, elseBody: []) }
            let elseBody = try parseElseBody(of: block, endName: endName)
            return LiquidConditional(branches: branches, elseBody: elseBody)
        }
    }

    private mutating func parseFor(_ open: Tag) throws(TemplateError) -> LiquidForLoop {
        var arguments = open.arguments
        guard let variableToken = arguments.next(), case .identifier(let variable) = variableToken.kind else {
            throw .parse("expected a loop variable after 'for'", at: open.position)
        }
        guard let inToken = arguments.next(), inToken.kind == .identifier("in") else {
            throw .parse("expected 'in' after '\(variable)'", at: variableToken.position)
        }
        let start = arguments.currentPosition
        guard case .path(let collection) = try arguments.parseValue() else {
            throw .parse("expected a variable after 'in'", at: start)
        }
        try arguments.expectEnd(in: "'for' tag")
        let block = OpenBlock(name: "for", position: open.position, terminators: ["else", "endfor"])
        let (body, terminator) = try parseBlockBody(block)
        try expectNoArguments(terminator)
        let elseBody = terminator.name == "else" ? try parseElseBody(of: block, endName: "endfor") : []
        return LiquidForLoop(variable: variable, collection: collection, body: body, elseBody: elseBody)
    }

    /// After `else` only the end tag may follow; another `else`/`elsif` is an error.
    private mutating func parseElseBody(of block: OpenBlock, endName: String) throws(TemplateError) -> [LiquidNode] {
        let (body, end) = try parseBlockBody(block)
        guard end.name == endName else {
            throw .parse("'\(end.name)' after 'else' in '\(block.name)' opened at \(block.position)", at: end.position)
        }
        try expectNoArguments(end)
        return body
    }

    /// Comment bodies are skipped unparsed; nested comment blocks are counted.
    private mutating func skipComment(_ open: Tag) throws(TemplateError) {
        try expectNoArguments(open)
        var depth = 1
        while index < segments.count {
            let segment = segments[index]
            index += 1
            guard case .markup(let markup) = segment, !markup.isOutput,
                let name = LiquidLexer.tagName(of: markup)?.name
            else { continue }
            if name == "comment" { depth += 1 }
            if name == "endcomment" { depth -= 1 }
            if depth == 0 { return }
        }
        throw .parse("'comment' opened at \(open.position) is never closed", at: open.position)
    }

    /// The lexer already cut the raw body out as text followed by `endraw`.
    private mutating func parseRaw(_ open: Tag) throws(TemplateError) -> [LiquidNode] {
        try expectNoArguments(open)
        var nodes: [LiquidNode] = []
        if index < segments.count, case .text(let text) = segments[index] {
            nodes.append(.text(text))
            index += 1
        }
        guard index < segments.count, case .markup(let markup) = segments[index],
            LiquidLexer.tagName(of: markup)?.name == "endraw"
        else {
            throw .parse("'raw' opened at \(open.position) is never closed", at: open.position)
        }
        index += 1
        return nodes
    }
}
