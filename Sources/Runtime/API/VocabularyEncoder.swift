import Foundation

/// Encodes a value as compact JSON text in maestro's vocabulary, byte for byte what
/// ``MaestroJSON/encoder(pretty:)`` writes (sorted keys, unescaped slashes, RFC 3339 times), about
/// three times faster: Foundation's encoder boxes every value and checks each one for its special
/// types with dynamic casts, and that was two thirds of a `GET /api/v1/state`. Values are collected
/// into a small tree first, since sorted keys need a whole object before it can be written.
enum VocabularyEncoder {
    static func text<T: Encodable>(_ value: T) throws -> String {
        var writer = JSONTextWriter()
        writer.write(try TreeEncoder.node(for: value, parent: nil, key: nil))
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// One encoded value. Containers are references: an `Encodable` may keep writing into a container
/// after it asked for a nested one.
enum JSONNode {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case object(JSONObjectBox)
    case array(JSONArrayBox)
    /// A `superEncoder()`'s value, known once its owner's `encode(to:)` returns.
    case deferred(TreeEncoder)
}

final class JSONObjectBox {
    /// In insertion order; a key written twice keeps its last value, as Foundation's encoder does.
    var members: [(key: String, value: JSONNode)] = []
}

final class JSONArrayBox {
    var items: [JSONNode] = []
}

/// The encoder one value gets. Its coding path is kept as a link to its parent and is only built
/// when asked for (errors): building an array for every nested value cost more than the encoding.
final class TreeEncoder: Encoder {
    let parent: TreeEncoder?
    let key: (any CodingKey)?
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: JSONNode?

    init(parent: TreeEncoder?, key: (any CodingKey)?) {
        self.parent = parent
        self.key = key
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var encoder: TreeEncoder? = self
        while let current = encoder {
            if let key = current.key { path.append(key) }
            encoder = current.parent
        }
        return path.reversed()
    }

    /// `value` as a node: the vocabulary's special types first, then the value's own `encode(to:)`.
    static func node<T: Encodable>(for value: T, parent: TreeEncoder?, key: (any CodingKey)?) throws -> JSONNode {
        if T.self == Date.self, let date = value as? Date { return .string(MaestroJSON.timestamp(date)) }
        if T.self == URL.self, let url = value as? URL { return .string(url.absoluteString) }
        if T.self == Data.self, let data = value as? Data { return .string(data.base64EncodedString()) }
        if T.self == Decimal.self, let decimal = value as? Decimal { return .number(decimal.description) }
        let encoder = TreeEncoder(parent: parent, key: key)
        try value.encode(to: encoder)
        return encoder.node ?? .object(JSONObjectBox())
    }

    /// An encoder that only carries a nested container's coding path.
    func child(_ key: any CodingKey) -> TreeEncoder { TreeEncoder(parent: self, key: key) }

    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: F, _ encoder: TreeEncoder, _ key: (any CodingKey)?
    ) throws -> JSONNode {
        guard value.isFinite else {
            let path = encoder.codingPath + (key.map { [$0] } ?? [])
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONObjectBox
        if case .object(let existing) = node {
            box = existing
        } else {
            box = JSONObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(ObjectContainer<Key>(box: box, encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONArrayBox
        if case .array(let existing) = node {
            box = existing
        } else {
            box = JSONArrayBox()
            node = .array(box)
        }
        return ArrayContainer(box: box, encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { ValueContainer(encoder: self) }
}

private struct ObjectContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONObjectBox
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ node: JSONNode, _ key: Key) { box.members.append((key.stringValue, node)) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try TreeEncoder.number(value, encoder, key), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try TreeEncoder.number(value, encoder, key), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.number(String(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try TreeEncoder.node(for: value, parent: encoder, key: key), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = JSONObjectBox()
        set(.object(nested), key)
        return KeyedEncodingContainer(ObjectContainer<NestedKey>(box: nested, encoder: encoder.child(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        set(.array(nested), key)
        return ArrayContainer(box: nested, encoder: encoder.child(key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> any Encoder {
        let encoder = encoder.child(VocabularyKey(name))
        box.members.append((name, .deferred(encoder)))
        return encoder
    }
}

private struct ArrayContainer: UnkeyedEncodingContainer {
    let box: JSONArrayBox
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { box.items.count }

    private var nextKey: VocabularyKey { VocabularyKey(index: box.items.count) }

    mutating func encodeNil() throws { box.items.append(.null) }
    mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { box.items.append(try TreeEncoder.number(value, encoder, nextKey)) }
    mutating func encode(_ value: Float) throws { box.items.append(try TreeEncoder.number(value, encoder, nextKey)) }
    mutating func encode(_ value: Int) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { box.items.append(.number(String(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        box.items.append(try TreeEncoder.node(for: value, parent: encoder, key: nextKey))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        let carrier = encoder.child(nextKey)
        box.items.append(.object(nested))
        return KeyedEncodingContainer(ObjectContainer<NestedKey>(box: nested, encoder: carrier))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        let carrier = encoder.child(nextKey)
        box.items.append(.array(nested))
        return ArrayContainer(box: nested, encoder: carrier)
    }

    mutating func superEncoder() -> any Encoder {
        let superEncoder = encoder.child(nextKey)
        box.items.append(.deferred(superEncoder))
        return superEncoder
    }
}

private struct ValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.node = try TreeEncoder.number(value, encoder, nil) }
    mutating func encode(_ value: Float) throws { encoder.node = try TreeEncoder.number(value, encoder, nil) }
    mutating func encode(_ value: Int) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .number(String(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        // The value stands in for this encoder's own: it takes the same place in the coding path.
        encoder.node = try TreeEncoder.node(for: value, parent: encoder.parent, key: encoder.key)
    }
}

private struct VocabularyKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ name: String) {
        stringValue = name
    }

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}

/// Writes nodes as compact JSON: keys sorted by their UTF-8 bytes, only `"`, `\` and control
/// characters escaped (the short forms where JSON has them, else `\u00xx`).
struct JSONTextWriter {
    var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(1024)
    }

    mutating func write(_ node: JSONNode) {
        switch node {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text): bytes.append(contentsOf: text.utf8)
        case .string(let text): write(string: text)
        case .deferred(let encoder): write(encoder.node ?? .object(JSONObjectBox()))
        case .array(let box):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in box.items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let box):
            bytes.append(UInt8(ascii: "{"))
            let order = box.members.indices.sorted { left, right in
                let comparison = Self.compareUTF8(box.members[left].key, box.members[right].key)
                return comparison == 0 ? left < right : comparison < 0
            }
            var first = true
            for (position, index) in order.enumerated() {
                let member = box.members[index]
                // A key written again: only its last value counts.
                if position + 1 < order.count, box.members[order[position + 1]].key == member.key { continue }
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(string: member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func write(string: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escape(byte)
            case 0x0A: escape(UInt8(ascii: "n"))
            case 0x0D: escape(UInt8(ascii: "r"))
            case 0x09: escape(UInt8(ascii: "t"))
            case 0x08: escape(UInt8(ascii: "b"))
            case 0x0C: escape(UInt8(ascii: "f"))
            case 0..<0x20:
                escape(UInt8(ascii: "u"))
                bytes.append(UInt8(ascii: "0"))
                bytes.append(UInt8(ascii: "0"))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Byte order of the keys' UTF-8, as Foundation sorts them (`String`'s `<` orders by Unicode
    /// canonical equivalence instead).
    static func compareUTF8(_ left: String, _ right: String) -> Int32 {
        var (left, right) = (left, right)
        return left.withUTF8 { a in
            right.withUTF8 { b in
                let common = min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                return order != 0 ? order : a.count < b.count ? -1 : a.count == b.count ? 0 : 1
            }
        }
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(byte)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
