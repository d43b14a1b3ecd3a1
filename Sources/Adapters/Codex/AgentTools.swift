public import Runtime

/// A tool the agent can call, executed by maestro on the host (Codex "dynamic tools").
public struct AgentToolSpec: Sendable, Hashable {
    public var name: String
    public var description: String
    /// A JSON Schema for the tool's arguments object.
    public var inputSchema: JSONValue

    public init(name: String, description: String, inputSchema: JSONValue) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }

    /// The `FunctionDynamicToolSpec` advertised at `thread/start`. `type` is always sent: the server
    /// tolerates its absence but the schema requires it.
    var dynamicToolSpec: JSONValue {
        ["type": "function", "name": .string(name), "description": .string(description), "inputSchema": inputSchema]
    }
}

/// What a tool call returns to the agent. Success and failure are kept apart; the agent sees `text`
/// either way.
public struct AgentToolResult: Sendable, Hashable {
    public var success: Bool
    public var text: String

    public init(success: Bool, text: String) {
        self.success = success
        self.text = text
    }

    public static func success(_ text: String) -> Self { Self(success: true, text: text) }
    public static func failure(_ text: String) -> Self { Self(success: false, text: text) }

    /// A `DynamicToolCallResponse`: `{success, contentItems: [{type: "inputText", text}]}`.
    var response: JSONValue {
        ["success": .bool(success), "contentItems": [["type": "inputText", "text": .string(text)]]]
    }
}

/// The tools a tracker adapter offers the agent for one issue.
///
/// The runner reads ``toolSpecs`` once, when the session starts, and advertises exactly those; a call
/// to any other name is answered with a failure without reaching ``execute(name:arguments:)``.
/// Implementations run on the host, hold their own credentials (the agent never sees them) and should
/// bound their own network calls; the runner also bounds every call with
/// ``CodexRunnerOptions/toolCallTimeout``.
public protocol AgentToolProvider: Sendable {
    /// The tools to advertise, bound to the session that reads them.
    var toolSpecs: [AgentToolSpec] { get }

    /// Runs the tool `name` with the agent's `arguments`. Failures are results, not thrown errors.
    func execute(name: String, arguments: JSONValue) async -> AgentToolResult
}
