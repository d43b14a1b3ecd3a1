// The supported filter set. Argument counts are validated at parse time;
// value types are only known while rendering.

enum LiquidFilters {
    /// Accepted argument counts; a name missing here is an unknown filter.
    static let arity: [String: ClosedRange<Int>] = [
        "default": 1...1,
        "upcase": 0...0,
        "downcase": 0...0,
        "capitalize": 0...0,
        "strip": 0...0,
        "join": 0...1,
        "size": 0...0,
        "first": 0...0,
        "last": 0...0,
        // Liquid's optional second argument replaces the "..." ellipsis.
        "truncate": 1...2,
        "append": 1...1,
        "prepend": 1...1,
        "replace": 2...2,
    ]

    static func apply(
        _ name: String, to input: TemplateValue, arguments: [TemplateValue], at position: LiquidPosition
    ) throws(TemplateError) -> TemplateValue {
        // Arity is checked at parse time; missing arguments read as nil defensively.
        func argument(_ index: Int) -> TemplateValue {
            index < arguments.count ? arguments[index] : .null
        }
        func text(_ value: TemplateValue) throws(TemplateError) -> String {
            guard let text = LiquidValues.text(value) else {
                throw .render("filter '\(name)' cannot use a map", at: position)
            }
            return text
        }

        switch name {
        case "default":
            return input.isTruthy && !input.isEmptyCollection ? input : argument(0)
        case "upcase":
            return .string(try text(input).uppercased())
        case "downcase":
            return .string(try text(input).lowercased())
        case "capitalize":
            // Like Ruby's String#capitalize: first character up, the rest down.
            let value = try text(input)
            return .string(value.prefix(1).uppercased() + value.dropFirst().lowercased())
        case "strip":
            return .string(LiquidText.trim(try text(input)))
        case "join":
            let separator = arguments.isEmpty ? " " : try text(argument(0))
            guard case .list(let items) = input else { return .string(try text(input)) }
            var parts: [String] = []
            for item in items { parts.append(try text(item)) }
            return .string(parts.joined(separator: separator))
        case "size":
            return .int(size(of: input))
        case "first", "last":
            return element(of: input, first: name == "first")
        case "truncate":
            if input == .null { return .null }
            let ellipsis = arguments.count > 1 ? try text(argument(1)) : "..."
            return .string(truncate(try text(input), to: try integer(argument(0), at: position), ellipsis: ellipsis))
        case "append":
            return .string(try text(input) + text(argument(0)))
        case "prepend":
            return .string(try text(argument(0)) + text(input))
        case "replace":
            let target = try text(argument(0))
            let value = try text(input)
            // Replacing "" would be ill-defined; leave the input unchanged.
            return .string(target.isEmpty ? value : value.replacing(target, with: try text(argument(1))))
        default:
            throw .render("unknown filter '\(name)'", at: position)
        }
    }

    /// Characters for strings, elements for lists, entries for maps, else 0.
    private static func size(of value: TemplateValue) -> Int {
        switch value {
        case .string(let text): text.count
        case .list(let items): items.count
        case .map(let entries): entries.count
        default: 0
        }
    }

    /// First/last list element or string character; nil when there is none.
    private static func element(of value: TemplateValue, first: Bool) -> TemplateValue {
        switch value {
        case .list(let items):
            return (first ? items.first : items.last) ?? .null
        case .string(let text):
            guard let character = first ? text.first : text.last else { return .null }
            return .string(String(character))
        default:
            return .null
        }
    }

    private static func integer(_ value: TemplateValue, at position: LiquidPosition) throws(TemplateError) -> Int {
        switch value {
        case .int(let number): return number
        case .string(let text):
            if let number = Int(LiquidText.trim(text)) { return number }
        default: break
        }
        throw .render("filter 'truncate' expects an integer length, got \(value.typeName)", at: position)
    }

    /// Liquid semantics: the ellipsis counts toward `length`.
    private static func truncate(_ text: String, to length: Int, ellipsis: String) -> String {
        guard text.count > length else { return text }
        // Compared before subtracting so a huge negative length cannot overflow.
        let kept = length > ellipsis.count ? length - ellipsis.count : 0
        return String(text.prefix(kept)) + ellipsis
    }
}
