import Foundation
import MCP
import Runtime

/// One argument of a tool: its JSON type, whether it is required, what it means. The input schema
/// that `tools/list` shows and the checks a call's arguments pass are both made from it, so they
/// cannot disagree.
struct ToolParameter: Sendable {
    enum Kind: Sendable, Equatable {
        case string
        case integer(minimum: Int?, maximum: Int?)
        case boolean
        case strings
        case stringMap
        case choice([String])

        /// The type as Specs/mcp.md spells it.
        var documented: String {
            switch self {
            case .string: "string"
            case .integer: "integer"
            case .boolean: "boolean"
            case .strings: "string[]"
            case .stringMap: "object"
            case .choice: "string"
            }
        }
    }

    var name: String
    var kind: Kind
    var required: Bool
    var description: String

    static func string(_ name: String, required: Bool = false, _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .string, required: required, description: description)
    }

    static func integer(_ name: String, min: Int? = nil, max: Int? = nil, required: Bool = false, _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .integer(minimum: min, maximum: max), required: required, description: description)
    }

    static func boolean(_ name: String, _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .boolean, required: false, description: description)
    }

    static func strings(_ name: String, required: Bool = false, _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .strings, required: required, description: description)
    }

    static func stringMap(_ name: String, _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .stringMap, required: false, description: description)
    }

    static func choice(_ name: String, _ values: [String], _ description: String) -> ToolParameter {
        ToolParameter(name: name, kind: .choice(values), required: false, description: description)
    }

    /// This argument's JSON Schema.
    var schema: Value {
        var object: [String: Value] = ["description": .string(description)]
        switch kind {
        case .string: object["type"] = "string"
        case .integer(let minimum, let maximum):
            object["type"] = "integer"
            if let minimum { object["minimum"] = .int(minimum) }
            if let maximum { object["maximum"] = .int(maximum) }
        case .boolean: object["type"] = "boolean"
        case .strings: object["type"] = "array"; object["items"] = ["type": "string"]
        case .stringMap: object["type"] = "object"; object["additionalProperties"] = ["type": "string"]
        case .choice(let values):
            object["type"] = "string"
            object["enum"] = .array(values.map(Value.string))
        }
        return .object(object)
    }

    /// Checks one present, non-null argument and returns it as a plain value.
    func check(_ value: Value) throws(APIError) -> Value {
        func wrong(_ expected: String) -> APIError {
            APIError(.invalidValue, "argument '\(name)' must be \(expected), got \(Self.describe(value))")
        }
        switch kind {
        case .string:
            guard let text = Self.text(value) else { throw wrong("a string") }
            return .string(text)
        case .integer(let minimum, let maximum):
            guard let number = Self.integer(value) else { throw wrong("an integer") }
            if let minimum, number < minimum { throw APIError(.invalidValue, "argument '\(name)' must be at least \(minimum), got \(number)") }
            if let maximum, number > maximum { throw APIError(.invalidValue, "argument '\(name)' must be at most \(maximum), got \(number)") }
            return .int(number)
        case .boolean:
            guard case .bool = value else { throw wrong("a boolean") }
            return value
        case .strings:
            guard case .array(let items) = value else { throw wrong("an array of strings") }
            var texts: [Value] = []
            for item in items {
                guard let text = Self.text(item) else { throw wrong("an array of strings") }
                texts.append(.string(text))
            }
            return .array(texts)
        case .stringMap:
            guard case .object(let members) = value else { throw wrong("an object of strings") }
            var texts: [String: Value] = [:]
            for (key, member) in members {
                guard let text = Self.text(member) else { throw wrong("an object of strings") }
                texts[key] = .string(text)
            }
            return .object(texts)
        case .choice(let values):
            guard let text = Self.text(value), let match = values.first(where: { $0.caseInsensitiveCompare(text) == .orderedSame }) else {
                throw APIError(
                    .invalidValue, "argument '\(name)' must be one of \(values.joined(separator: ", ")), got \(Self.describe(value))")
            }
            return .string(match)
        }
    }

    /// A string argument. The SDK decodes a string that looks like a `data:` URL as data; it is
    /// still the text the client sent.
    private static func text(_ value: Value) -> String? {
        switch value {
        case .string(let text): return text
        case .data:
            guard let encoded = try? JSONEncoder().encode(value) else { return nil }
            return try? JSONDecoder().decode(String.self, from: encoded)
        default: return nil
        }
    }

    private static func integer(_ value: Value) -> Int? {
        switch value {
        case .int(let number): number
        case .double(let number) where number.rounded() == number && abs(number) < 9e15: Int(number)
        default: nil
        }
    }

    private static func describe(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): "'\(text.prefix(80))'"
        case .data: "a data URL"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A call's arguments after the checks of its tool's parameters: every accessor returns a value
/// of the declared type, or `nil` for an absent optional argument.
struct ToolArguments: Sendable {
    private let values: [String: Value]

    /// Checks `arguments` against `parameters`: no unknown names, every required one present, each
    /// of its declared type. A `null` counts as absent.
    init(_ arguments: [String: Value]?, parameters: [ToolParameter], tool: String) throws(APIError) {
        var checked: [String: Value] = [:]
        let known = Set(parameters.map(\.name))
        for name in (arguments ?? [:]).keys.sorted() where !known.contains(name) {
            let accepted = parameters.isEmpty ? "it takes none" : "it takes \(parameters.map(\.name).joined(separator: ", "))"
            throw APIError(.invalidValue, "unknown argument '\(name)' for \(tool); \(accepted)")
        }
        for parameter in parameters {
            guard let value = arguments?[parameter.name], value != .null else {
                if parameter.required { throw APIError(.invalidValue, "missing required argument '\(parameter.name)'") }
                continue
            }
            checked[parameter.name] = try parameter.check(value)
        }
        values = checked
    }

    func string(_ name: String) -> String? { values[name]?.stringValue }

    /// A required string argument (its presence was checked).
    func text(_ name: String) -> String { values[name]?.stringValue ?? "" }

    func int(_ name: String) -> Int? { values[name]?.intValue }

    func bool(_ name: String) -> Bool? { values[name]?.boolValue }

    func strings(_ name: String) -> [String]? { values[name]?.arrayValue?.compactMap(\.stringValue) }

    func stringMap(_ name: String) -> [String: String]? { values[name]?.objectValue?.compactMapValues(\.stringValue) }
}
