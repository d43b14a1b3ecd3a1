import Foundation
import MCP
import Runtime
import Testing
import Transports

/// Specs/mcp.md against the server's live `tools/list`, `resources/list` and
/// `resources/templates/list`, in both directions: every tool and resource documented, nothing
/// documented that the server lacks, and each tool's arguments, types, required flags, read-only
/// mark and error codes as documented.
@Suite struct MCPSpecTests {
    static let specs = MCPProcessTests.packageRoot.appendingPathComponent("Specs")

    struct DocumentedTool: Equatable {
        var arguments: [String: Argument] = [:]
        var readOnly = false
        var errors: [String] = []
    }

    struct Argument: Equatable, CustomStringConvertible {
        var type: String
        var required: Bool
        var description: String { "\(type)\(required ? ", required" : "")" }
    }

    /// Each `#### \`tool\`` section: its argument table, whether it starts "Read-only.", its errors.
    static func documentedTools(_ text: String) -> [String: DocumentedTool] {
        var tools: [String: DocumentedTool] = [:]
        var current: String?
        var inErrors = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            // An Errors paragraph may wrap over several lines.
            if inErrors, !line.isEmpty, let name = current {
                tools[name]?.errors += codes(in: line)
                continue
            }
            inErrors = false
            if line.hasPrefix("#") {
                current = nil
                if line.hasPrefix("#### `"), line.hasSuffix("`") {
                    let name = String(line.dropFirst(6).dropLast())
                    current = name
                    tools[name] = DocumentedTool()
                }
                continue
            }
            guard let name = current else { continue }
            if line.hasPrefix("Read-only.") { tools[name]?.readOnly = true }
            if line.hasPrefix("Errors:") {
                tools[name]?.errors = codes(in: line)
                inErrors = true
            }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("| `"), cells.count >= 4 {
                let argument = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                tools[name]?.arguments[argument] = Argument(type: cells[1], required: cells[2] == "yes")
            }
        }
        return tools
    }

    /// The backticked words of a line.
    static func codes(in line: String) -> [String] {
        line.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    static func liveArguments(_ tool: Tool) -> [String: Argument] {
        let properties = tool.inputSchema.objectValue?["properties"]?.objectValue ?? [:]
        let required = Set(tool.inputSchema.objectValue?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        return properties.mapValues { schema in
            let type = schema.objectValue?["type"]?.stringValue ?? "?"
            return Argument(type: type == "array" ? "string[]" : type, required: false)
        }.reduce(into: [:]) { result, entry in
            result[entry.key] = Argument(type: entry.value.type, required: required.contains(entry.key))
        }
    }

    /// The rows of the Resources table: URI and kind.
    static func documentedResources(_ text: String) -> [String: String] {
        var resources: [String: String] = [:]
        for line in text.split(separator: "\n").map(String.init) where line.hasPrefix("| `maestro://") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            // The subscription table names the same URIs; only the listing says resource or template.
            guard cells.count >= 2, ["resource", "template"].contains(cells[1]) else { continue }
            resources[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        return resources
    }

    /// The error codes a tool may document: the Runtime API's, the machine's rejections
    /// (state-machine.md), and the MCP surface's own.
    static func knownCodes() throws -> Set<String> {
        let machine = try String(contentsOf: specs.appendingPathComponent("state-machine.md"), encoding: .utf8)
        let rejections = machine.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count == 5 && !cells[3].contains(" ") && !cells[3].contains("-") ? cells[3] : nil
        }
        return Set(APIError.Code.allCases.map(\.rawValue) + rejections + ["unknown_tool", "not_applicable"])
    }

    @Test func theSpecListsExactlyTheLiveToolsAndResources() async throws {
        let text = try String(contentsOf: Self.specs.appendingPathComponent("mcp.md"), encoding: .utf8)
        let documented = Self.documentedTools(text)
        let resources = Self.documentedResources(text)
        let known = try Self.knownCodes()
        let harness = try await MCPHarness()
        defer { harness.cleanup() }
        try await harness.serving { entry in
            try await MCPTestClient.with(entry.socket) { client in
                let tools = try #require(try await withTimeout(.seconds(20)) { try await client.listTools().tools })
                let live = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
                #expect(Set(live.keys).subtracting(documented.keys).isEmpty, "undocumented tools: \(Set(live.keys).subtracting(documented.keys))")
                #expect(
                    Set(documented.keys).subtracting(live.keys).isEmpty, "documented but not served: \(Set(documented.keys).subtracting(live.keys))")
                for (name, tool) in live {
                    guard let doc = documented[name] else { continue }
                    #expect(doc.arguments == Self.liveArguments(tool), "\(name): documented \(doc.arguments), served \(Self.liveArguments(tool))")
                    #expect(doc.readOnly == (tool.annotations.readOnlyHint ?? false), "\(name): the read-only mark")
                    #expect(!doc.errors.isEmpty, "\(name) lists its errors")
                    #expect(doc.errors.contains("invalid_value"), "\(name): every tool checks its arguments")
                    for code in doc.errors where !known.contains(code) { Issue.record("\(name): unknown error code '\(code)'") }
                }

                let listed = try #require(try await withTimeout(.seconds(20)) { try await client.listResources().resources })
                let templates = try #require(try await withTimeout(.seconds(20)) { try await client.listResourceTemplates().templates })
                var served = Dictionary(uniqueKeysWithValues: listed.map { ($0.uri, "resource") })
                for template in templates { served[template.uriTemplate] = "template" }
                #expect(resources == served, "documented \(resources), served \(served)")
            }
        }
    }
}
