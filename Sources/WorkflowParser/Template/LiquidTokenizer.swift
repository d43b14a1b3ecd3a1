// Tokenizes the inside of one markup: names, literals and punctuation.

enum LiquidTokenKind: Sendable, Equatable {
    case identifier(String)
    case string(String)
    case integer(Int)
    /// `==`, `!=` (also written `<>`), `<`, `>`, `<=`, `>=`.
    case comparison(String)
    case dot, pipe, colon, comma, openBracket, closeBracket
}

struct LiquidToken: Sendable {
    var kind: LiquidTokenKind
    var position: LiquidPosition

    /// How the token is quoted in error messages.
    var display: String {
        switch kind {
        case .identifier(let name): "'\(name)'"
        case .string(let value): "string \"\(value)\""
        case .integer(let value): "'\(value)'"
        case .comparison(let op): "'\(op)'"
        case .dot: "'.'"
        case .pipe: "'|'"
        case .colon: "':'"
        case .comma: "','"
        case .openBracket: "'['"
        case .closeBracket: "']'"
        }
    }
}

enum LiquidTokenizer {
    /// Returns the tokens plus the position just past the content, which is
    /// where "expected ..." errors point when a tag ends too early.
    static func tokenize(
        _ markup: LiquidMarkup
    ) throws(TemplateError) -> (tokens: [LiquidToken], end: LiquidPosition) {
        var cursor = LiquidCursor(chars: markup.content, position: markup.contentStart)
        var tokens: [LiquidToken] = []
        while let c = cursor.peek() {
            let start = cursor.position
            if c.isWhitespace {
                cursor.advance()
            } else if c.isLetter || c == "_" {
                tokens.append(LiquidToken(kind: .identifier(lexIdentifier(&cursor)), position: start))
            } else if isDigit(c) || (c == "-" && cursor.peek(1).map(isDigit) == true) {
                tokens.append(LiquidToken(kind: .integer(try lexInteger(&cursor)), position: start))
            } else if c == "\"" || c == "'" {
                tokens.append(LiquidToken(kind: .string(try lexString(&cursor)), position: start))
            } else if let kind = try lexSymbol(&cursor) {
                tokens.append(LiquidToken(kind: kind, position: start))
            }
        }
        return (tokens, cursor.position)
    }

    private static func isDigit(_ c: Character) -> Bool {
        ("0"..."9").contains(c)
    }

    /// Liquid names may contain dashes (`foo-bar`) and end in `?`.
    private static func lexIdentifier(_ cursor: inout LiquidCursor) -> String {
        var name = ""
        while let c = cursor.peek(), c.isLetter || c.isNumber || c == "_" || c == "-" {
            name.append(c)
            cursor.advance()
        }
        if cursor.peek() == "?" {
            name.append("?")
            cursor.advance()
        }
        return name
    }

    private static func lexInteger(_ cursor: inout LiquidCursor) throws(TemplateError) -> Int {
        let start = cursor.position
        var digits = ""
        if cursor.peek() == "-" {
            digits.append("-")
            cursor.advance()
        }
        while let c = cursor.peek(), isDigit(c) {
            digits.append(c)
            cursor.advance()
        }
        if cursor.peek() == ".", let next = cursor.peek(1), isDigit(next) {
            throw .parse("decimal numbers are not supported", at: start)
        }
        guard let value = Int(digits) else {
            throw .parse("integer literal '\(digits)' is out of range", at: start)
        }
        return value
    }

    /// Liquid strings have no escapes: they end at the next matching quote.
    private static func lexString(_ cursor: inout LiquidCursor) throws(TemplateError) -> String {
        let start = cursor.position
        guard let quote = cursor.peek() else { return "" }
        cursor.advance()
        var value = ""
        while let c = cursor.peek() {
            cursor.advance()
            if c == quote { return value }
            value.append(c)
        }
        throw .parse("unterminated string literal", at: start)
    }

    private static func lexSymbol(_ cursor: inout LiquidCursor) throws(TemplateError) -> LiquidTokenKind? {
        let start = cursor.position
        for op in ["==", "!=", "<>", "<=", ">="] where cursor.matches(op) {
            cursor.advance(2)
            return .comparison(op == "<>" ? "!=" : op)
        }
        guard let c = cursor.peek() else { return nil }
        let kind: LiquidTokenKind
        switch c {
        case "<", ">": kind = .comparison(String(c))
        case ".": kind = .dot
        case "|": kind = .pipe
        case ":": kind = .colon
        case ",": kind = .comma
        case "[": kind = .openBracket
        case "]": kind = .closeBracket
        case "=": throw .parse("unexpected '=' (use '==' to compare; 'assign' is not supported)", at: start)
        default: throw .parse("unexpected character '\(c)'", at: start)
        }
        cursor.advance()
        return kind
    }
}
