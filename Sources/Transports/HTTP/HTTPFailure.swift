public import Foundation
public import HTTPTypes
public import Hummingbird
public import Runtime

/// A failure with its HTTP status, answered with the error envelope every surface shares:
/// `{"error": {"code": …, "message": …}}`.
public struct HTTPFailure: Error, Sendable {
    public var status: HTTPResponse.Status
    public var error: APIError
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.error = APIError(code: code, message: message)
        self.headers = headers
    }

    public init(_ error: APIError) {
        self.status = Self.status(for: error.code)
        self.error = error
        self.headers = [:]
    }

    /// The status of each Runtime API code. Codes the lifecycle machine produces (`not_paused`,
    /// `already_blocked`, …) are conflicts with the state: 409.
    public static func status(for code: String) -> HTTPResponse.Status {
        switch code {
        case "issue_not_found", "project_not_found", "request_not_found", "not_found": .notFound
        case "invalid_value", "invalid_state", "blocker_cycle", "invalid_answer", "unsupported_by_provider", "unknown_provider":
            .unprocessableContent
        case "malformed_json", "invalid_parameter": .badRequest
        case "unauthorized": .unauthorized
        case "forbidden_origin": .forbidden
        case "method_not_allowed": .methodNotAllowed
        case "payload_too_large": .contentTooLarge
        case "unsupported_media_type": .unsupportedMediaType
        case "no_live_daemon", "shutting_down", "timeout": .serviceUnavailable
        case "internal_error", "not_a_database", "foreign_database", "newer_schema", "read_only_database", "cannot_open_database":
            .internalServerError
        default: .conflict
        }
    }

    /// The envelope as a response.
    public var response: Response {
        var response = JSONBody.response((try? MaestroJSON.text(APIError.Envelope(error))) ?? "{}", status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}

/// Responses with maestro's JSON: the exact bytes the CLI prints for the same object.
enum JSONBody {
    static func response(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        response(try MaestroJSON.text(value), status: status)
    }

    static func text(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
