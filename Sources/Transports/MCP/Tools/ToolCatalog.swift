public import Foundation
import MCP
import Runtime

/// What a tool needs: the daemon's Runtime API and who serves it.
struct ToolContext: Sendable {
    let api: RuntimeAPI
    let identity: MCPServerIdentity
}

/// The daemon a connection talks to, as `server_info` and the registry show it.
public struct MCPServerIdentity: Codable, Sendable, Hashable {
    public var storeId: String
    public var databasePath: String
    public var pid: Int32
    public var startedAt: Date
    public var version: String

    public init(storeId: String, databasePath: String, pid: Int32, startedAt: Date, version: String) {
        self.storeId = storeId
        self.databasePath = databasePath
        self.pid = pid
        self.startedAt = startedAt
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case storeId = "store_id"
        case databasePath = "database_path"
        case pid
        case startedAt = "started_at"
        case version
    }
}

/// One tool: its name, what it does, its arguments, whether it only reads, and its body. A body
/// returns one of the Runtime API's objects (the envelope's `data`) or throws an ``APIError``.
struct ToolSpec: Sendable {
    typealias Body = @Sendable (ToolArguments, ToolContext) async throws -> any Encodable & Sendable

    var name: String
    var description: String
    var parameters: [ToolParameter]
    /// Reads only: `maestro mcp` may send it again after a daemon restart.
    var readOnly: Bool
    /// May delete something.
    var destructive = false
    var body: Body

    init(
        _ name: String, _ description: String, parameters: [ToolParameter] = [], readOnly: Bool, destructive: Bool = false,
        body: @escaping Body
    ) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.readOnly = readOnly
        self.destructive = destructive
        self.body = body
    }

    /// The tool as `tools/list` shows it.
    var tool: Tool {
        let properties = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.schema) })
        var schema: [String: Value] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        let required = parameters.filter(\.required).map { Value.string($0.name) }
        if !required.isEmpty { schema["required"] = .array(required) }
        return Tool(
            name: name, description: description, inputSchema: .object(schema),
            annotations: Tool.Annotations(
                readOnlyHint: readOnly, destructiveHint: readOnly ? nil : destructive, idempotentHint: readOnly ? true : nil,
                openWorldHint: false))
    }
}

/// Every tool the MCP endpoint offers, in `tools/list` order.
enum ToolCatalog {
    static let all: [ToolSpec] = serverTools + projectTools + issueTools + commentTools + runtimeTools + commandTools

    static let byName: [String: ToolSpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The tools that only read: a bridge may send them again after a daemon restart.
    static let readOnlyNames: Set<String> = Set(all.filter(\.readOnly).map(\.name))

    /// Runs tool `name` with `arguments` and wraps the outcome in the envelope.
    static func call(_ name: String, arguments: [String: Value]?, context: ToolContext) async -> ToolEnvelope {
        let outcome: Result<any Encodable & Sendable, APIError>
        if let spec = byName[name] {
            do {
                let checked = try ToolArguments(arguments, parameters: spec.parameters, tool: name)
                outcome = .success(try await spec.body(checked, context))
            } catch {
                outcome = .failure(APIError.from(error))
            }
        } else {
            outcome = .failure(APIError(code: "unknown_tool", message: "no tool '\(name)'; tools/list names every tool"))
        }
        // `change_seq` is read after the call, so it covers what the call committed.
        let seq = (try? await context.api.lastSeq()) ?? 0
        return ToolEnvelope(outcome: outcome, meta: .init(storeId: context.identity.storeId, changeSeq: seq))
    }
}

/// A tool's result: `{"ok": true, "data": …, "meta": …}` or `{"ok": false, "error": {"code",
/// "message"}, "meta": …}`, in the Runtime API's JSON vocabulary.
struct ToolEnvelope: Encodable, Sendable {
    struct Meta: Encodable, Sendable {
        var storeId: String
        var changeSeq: Int64

        enum CodingKeys: String, CodingKey {
            case storeId = "store_id"
            case changeSeq = "change_seq"
        }
    }

    var outcome: Result<any Encodable & Sendable, APIError>
    var meta: Meta

    var ok: Bool {
        if case .success = outcome { return true }
        return false
    }

    enum CodingKeys: String, CodingKey {
        case ok, data, error, meta
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        switch outcome {
        case .success(let data): try container.encode(data, forKey: .data)
        case .failure(let error): try container.encode(error, forKey: .error)
        }
        try container.encode(meta, forKey: .meta)
    }

    /// The MCP result: the envelope as one text content, `isError` when it failed.
    var result: CallTool.Result {
        let text: String
        do {
            text = try MaestroJSON.text(self)
        } catch {
            let failure = APIError(.internalError, "cannot encode the result: \(error)")
            text = (try? MaestroJSON.text(ToolEnvelope(outcome: .failure(failure), meta: meta))) ?? #"{"ok":false}"#
            return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: true)
        }
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: !ok)
    }
}
