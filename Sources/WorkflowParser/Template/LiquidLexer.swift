// Splits template source into literal text and `{{ }}` / `{% %}` markup,
// handling `raw` bodies and whitespace control before any parsing happens.

/// One piece of template source.
enum LiquidSegment: Sendable {
    case text(String)
    case markup(LiquidMarkup)
}

/// The inside of one `{{ ... }}` or `{% ... %}`.
struct LiquidMarkup: Sendable {
    /// `{{ }}` when true, `{% %}` otherwise.
    var isOutput: Bool
    /// Characters between the delimiters, without whitespace-control dashes.
    var content: [Character]
    var contentStart: LiquidPosition
    /// Position of the opening `{{` / `{%`.
    var open: LiquidPosition
    var trimLeft: Bool
    var trimRight: Bool
}

/// A cursor over characters that keeps line and column up to date.
struct LiquidCursor {
    let chars: [Character]
    var index = 0
    var position = LiquidPosition(line: 1, column: 1)

    func peek(_ offset: Int = 0) -> Character? {
        let i = index + offset
        return i < chars.count ? chars[i] : nil
    }

    func matches(_ literal: String, at offset: Int = 0) -> Bool {
        var i = index + offset
        for c in literal {
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
        }
        return true
    }

    mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < chars.count {
            if chars[index].isNewline {
                position.line += 1
                position.column = 1
            } else {
                position.column += 1
            }
            index += 1
        }
    }
}

struct LiquidLexer {
    private var cursor: LiquidCursor

    init(source: String) {
        cursor = LiquidCursor(chars: Array(source))
    }

    mutating func lex() throws(TemplateError) -> [LiquidSegment] {
        var segments: [LiquidSegment] = []
        var text = ""
        while let c = cursor.peek() {
            if c == "{", let next = cursor.peek(1), next == "{" || next == "%" {
                if !text.isEmpty {
                    segments.append(.text(text))
                    text = ""
                }
                let markup = try lexMarkup(isOutput: next == "{")
                segments.append(.markup(markup))
                // A raw body must not be tokenized, so it is cut out right here.
                if !markup.isOutput, let tag = Self.tagName(of: markup), tag.name == "raw" {
                    try lexRawBody(openedAt: tag.position, into: &segments)
                }
            } else {
                text.append(c)
                cursor.advance()
            }
        }
        if !text.isEmpty { segments.append(.text(text)) }
        return Self.applyWhitespaceControl(segments)
    }

    private mutating func lexMarkup(isOutput: Bool) throws(TemplateError) -> LiquidMarkup {
        let open = cursor.position
        let close = isOutput ? "}}" : "%}"
        cursor.advance(2)
        var trimLeft = false
        if cursor.peek() == "-" {
            trimLeft = true
            cursor.advance()
        }
        let start = cursor.position
        var content: [Character] = []
        while let c = cursor.peek() {
            let dashed = c == "-" && cursor.matches(close, at: 1)
            if dashed || cursor.matches(close) {
                cursor.advance(dashed ? 3 : 2)
                return LiquidMarkup(
                    isOutput: isOutput, content: content, contentStart: start,
                    open: open, trimLeft: trimLeft, trimRight: dashed)
            }
            content.append(c)
            cursor.advance()
        }
        let opener = isOutput ? "{{" : "{%"
        throw .parse("'\(opener)' opened at \(open) is never closed (expected '\(close)')", at: open)
    }

    /// Emits the raw body as text followed by the `{% endraw %}` markup.
    private mutating func lexRawBody(
        openedAt: LiquidPosition, into segments: inout [LiquidSegment]
    ) throws(TemplateError) {
        var body = ""
        while let c = cursor.peek() {
            if c == "{", cursor.peek(1) == "%", isAtEndRaw() {
                if !body.isEmpty { segments.append(.text(body)) }
                segments.append(.markup(try lexMarkup(isOutput: false)))
                return
            }
            body.append(c)
            cursor.advance()
        }
        throw .parse("'raw' opened at \(openedAt) is never closed", at: openedAt)
    }

    /// Whether the cursor sits on `{%[-] endraw [-]%}`.
    private func isAtEndRaw() -> Bool {
        var offset = 2
        if cursor.peek(offset) == "-" { offset += 1 }
        while let c = cursor.peek(offset), c.isWhitespace { offset += 1 }
        guard cursor.matches("endraw", at: offset) else { return false }
        offset += 6
        while let c = cursor.peek(offset), c.isWhitespace { offset += 1 }
        if cursor.peek(offset) == "-" { offset += 1 }
        return cursor.matches("%}", at: offset)
    }

    /// The leading word of a tag without full tokenization, so comment and
    /// raw scanning never fail on arbitrary content. `#` marks inline comments.
    static func tagName(of markup: LiquidMarkup) -> (name: String, position: LiquidPosition)? {
        var cursor = LiquidCursor(chars: markup.content, position: markup.contentStart)
        while let c = cursor.peek(), c.isWhitespace { cursor.advance() }
        let position = cursor.position
        if cursor.peek() == "#" { return ("#", position) }
        var name = ""
        // Same characters as tokenizer identifiers, so both agree on the name.
        while let c = cursor.peek(), c.isLetter || c.isNumber || c == "_" || c == "-" || c == "?" {
            name.append(c)
            cursor.advance()
        }
        return name.isEmpty ? nil : (name, position)
    }

    /// `{{-`/`{%-` strip whitespace (newlines included) before the markup,
    /// `-}}`/`-%}` strip it after, as Liquid does.
    static func applyWhitespaceControl(_ segments: [LiquidSegment]) -> [LiquidSegment] {
        var result = segments
        for i in result.indices {
            guard case .markup(let markup) = result[i] else { continue }
            if markup.trimLeft, i > 0, case .text(let text) = result[i - 1] {
                result[i - 1] = .text(LiquidText.trimTrailing(text))
            }
            if markup.trimRight, i + 1 < result.count, case .text(let text) = result[i + 1] {
                result[i + 1] = .text(String(text.drop(while: \.isWhitespace)))
            }
        }
        return result
    }
}

/// Whitespace trimming without Foundation (Character.isWhitespace includes newlines).
enum LiquidText {
    static func trimTrailing(_ text: String) -> String {
        guard let last = text.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(text[...last])
    }

    static func trim(_ text: String) -> String {
        trimTrailing(String(text.drop(while: \.isWhitespace)))
    }
}
