import Foundation
import Runtime

/// The server side of the Codex app-server wire format (0.163.0), as the demo agent writes it:
/// compact JSON lines without `jsonrpc`, `emittedAtMs` on notifications only.
enum AppServerWire {
    static func response(id: JSONValue, result: JSONValue) -> JSONValue { ["id": id, "result": result] }

    static func error(id: JSONValue, code: Int = -32600, message: String) -> JSONValue {
        ["id": id, "error": ["code": .int(code), "message": .string(message)]]
    }

    static func request(id: Int, method: String, params: JSONValue) -> JSONValue {
        ["id": .int(id), "method": .string(method), "params": params]
    }

    static func notification(_ method: String, _ params: JSONValue, at now: Date) -> JSONValue {
        ["method": .string(method), "params": params, "emittedAtMs": .int(milliseconds(now))]
    }

    static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func seconds(_ date: Date) -> Int { Int(date.timeIntervalSince1970.rounded(.down)) }

    /// A `Thread` object as `thread/start` and `thread/started` carry it.
    static func thread(id: String, cwd: String, at now: Date) -> JSONValue {
        [
            "id": .string(id), "sessionId": .string(id), "cwd": .string(cwd), "cliVersion": .string(DemoAgentServer.version),
            "createdAt": .int(seconds(now)), "updatedAt": .int(seconds(now)), "ephemeral": false, "modelProvider": "maestro-demo",
            "model": "maestro-demo", "preview": "", "projectId": nil, "source": "appServer", "status": ["type": "idle"], "turns": [],
            "name": nil, "path": nil, "gitInfo": nil,
        ]
    }

    /// The thread-level `sandbox` (kebab-case) echoed as a `SandboxPolicy` object (camelCase).
    static func sandboxPolicy(_ mode: String?) -> JSONValue {
        switch mode {
        case "read-only": ["type": "readOnly", "networkAccess": false]
        case "danger-full-access": ["type": "dangerFullAccess"]
        default:
            ["type": "workspaceWrite", "writableRoots": [], "networkAccess": false, "excludeTmpdirEnvVar": false, "excludeSlashTmp": false]
        }
    }

    static func turn(id: String, status: String, items: [JSONValue] = [], error: JSONValue = nil, startedAt: Date?, completedAt: Date?)
        -> JSONValue
    {
        var duration: JSONValue = nil
        if let startedAt, let completedAt { duration = .int(max(0, milliseconds(completedAt) - milliseconds(startedAt))) }
        return [
            "id": .string(id), "rootTurnId": .string(id), "items": .array(items), "itemsView": items.isEmpty ? "notLoaded" : "summary",
            "status": .string(status), "error": error, "startedAt": startedAt.map { .int(seconds($0)) } ?? nil,
            "completedAt": completedAt.map { .int(seconds($0)) } ?? nil, "durationMs": duration,
        ]
    }

    static func agentMessage(id: String, text: String) -> JSONValue {
        ["type": "agentMessage", "id": .string(id), "text": .string(text), "phase": nil]
    }

    static func userMessage(id: String, text: String) -> JSONValue {
        ["type": "userMessage", "id": .string(id), "content": [["type": "text", "text": .string(text), "text_elements": []]]]
    }

    static func fileChange(id: String, path: String, text: String, status: String) -> JSONValue {
        let diff = text.split(separator: "\n", omittingEmptySubsequences: false).map { "+" + $0 }.joined(separator: "\n")
        return [
            "type": "fileChange", "id": .string(id), "status": .string(status),
            "changes": [["path": .string(path), "kind": ["type": "add"], "diff": .string(diff)]],
        ]
    }

    static func toolCall(id: String, tool: String, arguments: JSONValue, status: String, reply: JSONValue? = nil) -> JSONValue {
        [
            "type": "dynamicToolCall", "id": .string(id), "namespace": nil, "tool": .string(tool), "arguments": arguments,
            "status": .string(status), "contentItems": reply?["contentItems"] ?? nil, "success": reply?["success"] ?? nil,
            "durationMs": nil,
        ]
    }

    static func tokenBreakdown(input: Int, output: Int) -> JSONValue {
        [
            "totalTokens": .int(input + output), "inputTokens": .int(input), "cachedInputTokens": 0, "cacheWriteInputTokens": 0,
            "outputTokens": .int(output), "reasoningOutputTokens": 0,
        ]
    }

    /// Demo rate limits: a primary window that fills slowly with the thread's tokens.
    static func rateLimits(usedPercent: Int, at now: Date) -> JSONValue {
        [
            "limitId": "maestro-demo", "limitName": "demo (not a real account)", "planType": nil, "credits": nil,
            "primary": ["usedPercent": .int(usedPercent), "windowDurationMins": 300, "resetsAt": .int(seconds(now) + 3600)],
            "secondary": nil, "rateLimitReachedType": nil,
        ]
    }
}
