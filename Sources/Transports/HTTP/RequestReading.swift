import Foundation
import HTTPTypes
import Hummingbird
import Runtime

/// Reading what a request carries: path captures, query parameters, JSON bodies. Every refusal is
/// a specific envelope: 400 for what cannot be read, 415 for a body that is not JSON, 413 for a body
/// over the limit, 422 for JSON of the wrong shape.
extension Request {
    func capture(_ name: String, _ context: APIRequestContext) throws -> String {
        guard let value = context.parameters.get(name) else {
            throw HTTPFailure(.badRequest, "invalid_parameter", "the path lacks `\(name)`")
        }
        return value
    }

    func query(_ name: String) -> String? {
        uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    func queryInt(_ name: String, in range: ClosedRange<Int64>? = nil) throws -> Int64? {
        guard let text = query(name) else { return nil }
        guard let value = Int64(text), range.map({ $0.contains(value) }) ?? true else {
            let bounds = range.map { " in \($0.lowerBound)...\($0.upperBound)" } ?? ""
            throw HTTPFailure(.badRequest, "invalid_parameter", "`\(name)` must be an integer\(bounds), got '\(text)'")
        }
        return value
    }

    func queryChoice(_ name: String, _ choices: [String]) throws -> String? {
        guard let text = query(name) else { return nil }
        guard choices.contains(text) else {
            throw HTTPFailure(.badRequest, "invalid_parameter", "`\(name)` must be one of \(choices.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }

    /// The body decoded as `T` with maestro's JSON vocabulary.
    func json<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        try MaestroJSON.decoder().decode(T.self, from: try await jsonData(limit: limit))
    }

    /// The JSON body's bytes (the body can be read once; decode them as often as needed).
    func jsonData(limit: Int) async throws -> Data {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw HTTPFailure(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json, not \(contentType)")
        }
        let bytes = try await bodyBytes(limit: limit)
        guard !bytes.isEmpty else { throw HTTPFailure(.badRequest, "malformed_json", "the request needs a JSON body") }
        return Data(bytes)
    }

    /// The raw body, refused beyond `limit` bytes.
    func bodyBytes(limit: Int) async throws -> [UInt8] {
        var buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw HTTPFailure(.contentTooLarge, "payload_too_large", "the body is larger than \(limit) bytes")
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
