public import Foundation

/// The one JSON vocabulary of every surface (CLI `--json`, HTTP, MCP): snake_case keys (each view
/// spells its own `CodingKeys`), RFC 3339 UTC times with milliseconds, `null` for absent optional
/// values, sorted keys so that the same object is the same bytes everywhere.
public enum MaestroJSON {
    /// A new encoder with the vocabulary's settings.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        return encoder
    }

    /// A new decoder that reads what ``encoder(pretty:)`` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return date
        }
        return decoder
    }

    /// `value` as compact JSON text: the bytes ``encoder(pretty:)`` writes, from a faster encoder.
    public static func text<T: Encodable>(_ value: T) throws -> String {
        try VocabularyEncoder.text(value)
    }

    /// `2026-12-01T15:04:05.123Z`: UTC, to the nearest millisecond (the store's precision).
    public static func timestamp(_ date: Date) -> String {
        rfc3339String(date)
    }

    /// Reads an RFC 3339 time with or without fractional seconds.
    public static func parseTimestamp(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}

/// An optional that encodes as `null` when absent (Swift's synthesized `Encodable` leaves the key
/// out) and decodes a missing key as absent.
@propertyWrapper
public struct Nullable<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// Lets synthesized decoders accept a missing key for a ``Nullable`` property.
    public func decode<Value>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        try decodeIfPresent(type, forKey: key) ?? Nullable(wrappedValue: nil)
    }
}
