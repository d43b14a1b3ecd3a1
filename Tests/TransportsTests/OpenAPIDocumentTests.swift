import Foundation
import HTTPTypes
import Testing
import Transports
import Yams

/// `Specs/openapi.yaml` and the router agree both ways: every served route is documented, every
/// documented operation is served.
@Suite struct OpenAPIDocumentTests {
    static var document: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Specs/openapi.yaml")
    }

    static let methods = ["get", "post", "put", "patch", "delete"]

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationServed() async throws {
        let yaml = try String(contentsOf: Self.document, encoding: .utf8)
        let spec = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        #expect(spec["openapi"] as? String == "3.1.0")
        let paths = try #require(spec["paths"] as? [String: Any])
        let pathItems = ((spec["components"] as? [String: Any])?["pathItems"] as? [String: Any]) ?? [:]
        var documented = Set<String>()
        for (path, value) in paths {
            var item = try #require(value as? [String: Any])
            if let reference = item["$ref"] as? String {
                item = try #require(pathItems[String(reference.split(separator: "/").last ?? "")] as? [String: Any], "\(reference)")
            }
            for method in Self.methods where item[method] != nil { documented.insert("\(method.uppercased()) \(path)") }
        }
        let harness = try await HTTPHarness()
        defer { harness.cleanup() }
        var served = Set(harness.surface.routes.map { "\($0.method.rawValue) \($0.openAPIPath)" })
        served.insert("GET /api/v1/ws")
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(served.count > 30)
    }
}
