import Runtime

/// The id of a request, ours or the server's. The server numbers its own requests from 0, so the
/// two id spaces overlap and are only ever told apart by a message's shape.
public enum CodexRequestID: Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case string(String)

    init?(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        default:
            guard let number = value.intValue else { return nil }
            self = .int(number)
        }
    }

    var json: JSONValue {
        switch self {
        case .int(let value): .int(value)
        case .string(let value): .string(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .string(let value): value
        }
    }
}

/// A JSON-RPC error object from an error response.
struct RPCErrorBody: Sendable, Hashable {
    var code: Int
    var message: String
}

/// One line from the server, classified by shape (never by id).
enum IncomingMessage: Sendable, Equatable {
    case request(id: CodexRequestID, method: String, params: JSONValue)
    case notification(method: String, params: JSONValue)
    case response(id: CodexRequestID, result: JSONValue)
    case errorResponse(id: CodexRequestID, error: RPCErrorBody)
}

/// Why a line was not a protocol message.
enum MalformedReason: Error, Sendable, Hashable {
    case notJSON
    case notAnObject
    case unknownShape
    case oversized(bytes: Int)
}

enum WireFormat {
    /// Classifies one line: `method`+`id` is a server request, `method` alone a notification,
    /// `id` with `result` or `error` a response to one of our requests.
    static func parse(_ line: [UInt8]) -> Result<IncomingMessage, MalformedReason> {
        guard let value = try? JSONParser.parse(line) else { return .failure(.notJSON) }
        guard case .object(let members) = value else { return .failure(.notAnObject) }
        let id = members["id"].flatMap(CodexRequestID.init)
        if let method = members["method"]?.stringValue {
            let params = members["params"] ?? .null
            if let id { return .success(.request(id: id, method: method, params: params)) }
            if members["id"] == nil { return .success(.notification(method: method, params: params)) }
            return .failure(.unknownShape)
        }
        guard let id else { return .failure(.unknownShape) }
        if let result = members["result"] { return .success(.response(id: id, result: result)) }
        if let error = members["error"], let code = error["code"]?.intValue {
            return .success(.errorResponse(id: id, error: RPCErrorBody(code: code, message: error["message"]?.stringValue ?? "")))
        }
        return .failure(.unknownShape)
    }

    /// `{"method","id","params"}`: no `"jsonrpc"` member, which the server neither needs nor sends.
    static func request(id: Int, method: String, params: JSONValue) -> [UInt8] {
        line(["method": .string(method), "id": .int(id), "params": params])
    }

    static func notification(method: String) -> [UInt8] {
        line(["method": .string(method)])
    }

    static func response(id: CodexRequestID, result: JSONValue) -> [UInt8] {
        line(["id": id.json, "result": result])
    }

    static func errorResponse(id: CodexRequestID, code: Int, message: String) -> [UInt8] {
        line(["id": id.json, "error": ["code": .int(code), "message": .string(message)]])
    }

    private static func line(_ value: JSONValue) -> [UInt8] {
        var text = value.compactText
        text += "\n"
        return Array(text.utf8)
    }
}
