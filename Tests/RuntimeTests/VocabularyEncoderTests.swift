import Foundation
import Runtime
import RuntimeTesting
import Testing
import WorkflowParser

/// `MaestroJSON.text` writes exactly the bytes Foundation's encoder with the vocabulary's settings
/// writes, for every kind of value the surfaces print.
@Suite struct VocabularyEncoderTests {
    static func foundation<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try MaestroJSON.encoder().encode(value), as: UTF8.self)
    }

    struct Scalars: Codable {
        var text: String
        var integer: Int
        var small: Int8
        var unsigned: UInt64
        var large: Int64
        var double: Double
        var float: Float
        var flag: Bool
        var absent: String?
        @Nullable var nothing: String?
        var date: Date
        var url: URL
        var data: Data
        var nested: [[String: Int]]
        var numbered: [Int: String]
        var empty: [String]
        var emptyObject: [String: String]
        var value: JSONValue
    }

    /// Every ASCII character, slashes, non-ASCII text, and keys whose byte order differs from
    /// their case-insensitive order.
    @Test func scalarsAndContainersMatchFoundation() throws {
        let everyASCII = String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) })
        let texts = [everyASCII, "path/to/file", "é ü 漢字 🎉 \u{2028}\u{2029} \u{7f}", "", "\"quoted\" \\ back"]
        let doubles: [Double] = [0, -0.0, 1, 1.5, 0.1, 1e21, 1e-7, 123_456_789.123, -2.5e-300, .greatestFiniteMagnitude, 42]
        for (index, text) in texts.enumerated() {
            let value = Scalars(
                text: text, integer: .min, small: -8, unsigned: .max, large: .max, double: doubles[index % doubles.count], float: 0.1,
                flag: index.isMultiple(of: 2), absent: index == 0 ? nil : text, nothing: index == 1 ? text : nil,
                date: Date(timeIntervalSince1970: 1_764_600_000.123 + Double(index)), url: URL(string: "https://example.com/a?b=c")!,
                data: Data(text.utf8), nested: [["b": 1, "B": 2, "a_b": 3, "ab": 4, "é": 5, text: 6], [:]], numbered: [10: "ten", 2: text],
                empty: [], emptyObject: [:],
                value: .object([
                    "limits": .array([.int(1), .double(2.5), .null, .bool(false), .string(text)]), "Z": .object([:]), "a": .double(3),
                ]))
            #expect(try MaestroJSON.text(value) == Self.foundation(value), "text \(index)")
        }
        for double in doubles {
            #expect(try MaestroJSON.text([double]) == Self.foundation([double]), "\(double)")
        }
        #expect(try MaestroJSON.text(["b": 1, "B": 2, "a_b": 3, "a": 4]) == #"{"B":2,"a":4,"a_b":3,"b":1}"#)
        #expect(try MaestroJSON.text("\u{1}/\n\u{1f}é") == #""\u0001/\n\u001fé""#)
        #expect(try MaestroJSON.text("top level") == Self.foundation("top level"))
        #expect(try MaestroJSON.text(Optional<Int>.none) == Self.foundation(Optional<Int>.none))
    }

    /// An encoder written by hand: a key twice, nested containers, a super encoder, nothing at all.
    struct HandWritten: Encodable {
        enum Keys: String, CodingKey { case first, second, list, inner }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("one", forKey: .first)
            var inner = container.nestedContainer(keyedBy: Keys.self, forKey: .inner)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try container.encode("again", forKey: .first)
            try inner.encode(2, forKey: .second)
            try list.encode(true)
            var element = list.nestedContainer(keyedBy: Keys.self)
            try element.encodeNil(forKey: .first)
            try list.encode(Silent())
            try Silent().encode(to: container.superEncoder(forKey: .second))
            try "base".encode(to: container.superEncoder())
        }
    }

    struct Silent: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    @Test func handWrittenEncodersMatchFoundation() throws {
        #expect(try MaestroJSON.text(HandWritten()) == Self.foundation(HandWritten()))
        #expect(try MaestroJSON.text([HandWritten(), HandWritten()]) == Self.foundation([HandWritten(), HandWritten()]))
    }

    /// Times to the nearest millisecond, before 1970 and at the end of year 9999 too.
    @Test func timesAreRFC3339WithMilliseconds() {
        let times: [(Double, String)] = [
            (0, "1970-01-01T00:00:00.000Z"), (-0.5, "1969-12-31T23:59:59.500Z"), (1_764_600_000.9996, "2025-12-01T14:40:01.000Z"),
            (1_764_600_000.123, "2025-12-01T14:40:00.123Z"), (253_402_300_799.999, "9999-12-31T23:59:59.999Z"),
            (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        ]
        for (seconds, text) in times {
            #expect(MaestroJSON.timestamp(Date(timeIntervalSince1970: seconds)) == text)
        }
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: EncodingError.self) { try MaestroJSON.text(["x": Double.nan]) }
        #expect(throws: EncodingError.self) { try MaestroJSON.text([Float.infinity]) }
    }

    /// The views every surface prints, from a real store.
    @Test func apiViewsMatchFoundation() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.cleanup() }
        let store = try temporary.open()
        let rules = LifecycleRules(workflow: try WorkflowLoaderDefaults.kanban())
        let board = Board(store: store) { rules }
        let api = RuntimeAPI(board: board, providers: Providers([]))
        _ = try await board.createProject(NewProject(name: "Views / \"quoted\"", key: "V", description: "line\nbreak"))
        _ = try await board.createIssue(
            in: "V", NewIssue(title: "first\ttab", description: "é/🎉", priority: 2, labels: ["b", "a"]), state: "todo")
        _ = try await board.createIssue(in: "V", NewIssue(title: "second", blockedBy: ["V-1"]), state: "todo")
        _ = try await board.comment("V-2", body: "a \u{1}control", author: "operator")
        let detail = try await api.issueDetail("V-2")
        let page = try await api.issues()
        let overview = try await api.boardOverview()
        let changes = try await api.changes()
        #expect(try MaestroJSON.text(detail) == Self.foundation(detail))
        #expect(try MaestroJSON.text(page) == Self.foundation(page))
        #expect(try MaestroJSON.text(overview) == Self.foundation(overview))
        #expect(try MaestroJSON.text(changes) == Self.foundation(changes))
        #expect(changes.count >= 4)
    }
}
