import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import Runtime
import Synchronization

/// Where requests go and as whom. The key is used for the `Authorization` header and nowhere else.
public struct LinearEndpoint: Sendable, Hashable {
    public static let defaultURL = "https://api.linear.app/graphql"

    public var url: String
    public var apiKey: String
    /// The whole exchange, connection included.
    public var timeout: Duration

    public init(url: String = LinearEndpoint.defaultURL, apiKey: String, timeout: Duration = .seconds(30)) {
        self.url = url
        self.apiKey = apiKey.trimmingCharacters(in: .whitespacesAndNewlines)
        self.timeout = timeout
    }
}

/// Linear's GraphQL over HTTP: one POST per operation with a timeout, errors classified
/// (``LinearError``), rate-limit headers read on every response and honoured before the next
/// request, transient failures of reads retried with backoff. Mutations are never repeated blindly.
public final class LinearTransport: Sendable {
    /// Requests sent (each retry counts), for tests and benchmarks.
    public var requestCount: Int { counters.withLock { $0 } }
    /// How long a request waits for a rate-limit reset before failing instead.
    let longestWait: Duration
    let retries: Int
    private let counters = Mutex(0)
    /// Per endpoint and key: no request before this time.
    private let pauses = Mutex([String: Date]())
    private let logger: Logger

    public init(longestWait: Duration = .seconds(2), retries: Int = 2, logger: Logger = Logger(label: "maestro.linear")) {
        self.longestWait = longestWait
        self.retries = retries
        self.logger = logger
    }

    /// When requests to `endpoint` may resume, if they are paused.
    public func pausedUntil(_ endpoint: LinearEndpoint) -> Date? {
        let key = Self.pauseKey(endpoint)
        return pauses.withLock { $0[key] }.flatMap { $0 > Date() ? $0 : nil }
    }

    /// Forgets every pause (an operator who knows better, or a test).
    public func clearPauses() { pauses.withLock { $0 = [:] } }

    /// Runs `document` and returns its `data` object. Reads are retried on transport trouble and
    /// short rate-limit waits; a mutation is sent once.
    func data(_ document: LinearDocument, variables: JSONValue, at endpoint: LinearEndpoint) async throws(LinearError) -> JSONValue {
        var attempt = 0
        while true {
            do {
                let response = try await exchange(
                    query: document.text, operationName: document.name, variables: variables, at: endpoint)
                return try Self.data(of: response)
            } catch {
                guard !document.isMutation, attempt < retries, !Task.isCancelled else { throw error }
                attempt += 1
                if error.category == .rateLimited, let retryAt = error.retryAt, retryAt.timeIntervalSinceNow <= longestWait.seconds {
                    try await Self.sleep(max(0, retryAt.timeIntervalSinceNow))
                } else if error.isTransient {
                    // 250 ms, 500 ms, ... with jitter, so that several clients do not retry in step.
                    let base = 0.25 * Double(1 << (attempt - 1))
                    try await Self.sleep(base + Double.random(in: 0...(base / 2)))
                } else {
                    throw error
                }
                logger.debug("retrying a Linear read", metadata: ["operation": "\(document.name)", "error": "\(error)"])
            }
        }
    }

    /// One exchange with the response returned as it came (the agent tool shows it to the agent).
    func exchange(query: String, operationName: String?, variables: JSONValue, at endpoint: LinearEndpoint) async throws(LinearError)
        -> (status: Int, body: [UInt8], retryAt: Date?)
    {
        try await waitForPause(endpoint)
        guard !endpoint.apiKey.isEmpty else { throw LinearError(.missingSecret, "no API key") }
        var body: [String: JSONValue] = ["query": .string(query), "variables": variables]
        if let operationName { body["operationName"] = .string(operationName) }
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: endpoint.apiKey)
        request.headers.add(name: "User-Agent", value: "maestro")
        request.body = .bytes(ByteBuffer(string: JSONValue.object(body).compactText))
        counters.withLock { $0 += 1 }
        let status: Int
        let bytes: [UInt8]
        let headers: HTTPHeaders
        do {
            let deadline = NIODeadline.now() + .nanoseconds(Int64(endpoint.timeout.seconds * 1_000_000_000))
            let response = try await HTTPClient.shared.execute(request, deadline: deadline)
            status = Int(response.status.code)
            headers = response.headers
            var buffer = try await response.body.collect(upTo: 32 * 1024 * 1024)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw LinearError(.request, "no answer from \(endpoint.url) within \(endpoint.timeout)")
        } catch is CancellationError {
            throw LinearError(.request, "cancelled")
        } catch {
            throw LinearError(.request, "\(endpoint.url): \(error)")
        }
        let retryAt = record(headers, status: status, endpoint: endpoint)
        return (status, bytes, retryAt)
    }

    /// The `data` of a response, or its error.
    static func data(of response: (status: Int, body: [UInt8], retryAt: Date?)) throws(LinearError) -> JSONValue {
        guard let object = try? JSONParser.parse(response.body), object.objectValue != nil else {
            if response.status >= 500 { throw LinearError(.status, "HTTP \(response.status) without a JSON body") }
            if let error = LinearError.classify(status: response.status, retryAt: response.retryAt) { throw error }
            throw LinearError(.response, "the response is not JSON (HTTP \(response.status), \(response.body.count) bytes)")
        }
        // Any error fails the call, even next to data: a partial answer is not a snapshot.
        if let error = LinearError.classify(errors: object["errors"]?.arrayValue ?? [], status: response.status, retryAt: response.retryAt) {
            throw error
        }
        if let error = LinearError.classify(status: response.status, retryAt: response.retryAt) { throw error }
        guard let data = object["data"], data.objectValue != nil else { throw LinearError(.response, "the response has no data") }
        return data
    }

    // MARK: - Rate limits

    /// Reads the rate-limit headers; pauses the endpoint when a budget is spent or the answer says
    /// so. Returns when requests may resume, for a rate-limited answer.
    private func record(_ headers: HTTPHeaders, status: Int, endpoint: LinearEndpoint) -> Date? {
        func number(_ name: String) -> Double? { headers.first(name: name).flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } }
        let resets = ["x-ratelimit-requests-reset", "x-ratelimit-complexity-reset"].compactMap(number).map {
            Date(timeIntervalSince1970: $0 / 1000)  // epoch milliseconds
        }
        let spent = ["x-ratelimit-requests-remaining", "x-ratelimit-complexity-remaining"].compactMap(number).contains { $0 <= 0 }
        let retryAfter = number("retry-after").map { Date().addingTimeInterval($0) }
        guard spent || status == 429 || retryAfter != nil else { return nil }
        // The later of the resets, a little jitter, and never more than an hour away.
        let latest = (resets + [retryAfter].compactMap { $0 }).max() ?? Date().addingTimeInterval(60)
        let until = min(latest.addingTimeInterval(Double.random(in: 0...0.25)), Date().addingTimeInterval(3600))
        let key = Self.pauseKey(endpoint)
        pauses.withLock { $0[key] = max($0[key] ?? .distantPast, until) }
        logger.warning(
            "Linear rate limit reached; pausing requests", metadata: ["until": "\(MaestroJSON.timestamp(until))", "endpoint": "\(endpoint.url)"])
        return until
    }

    private func waitForPause(_ endpoint: LinearEndpoint) async throws(LinearError) {
        guard let until = pausedUntil(endpoint) else { return }
        let wait = until.timeIntervalSinceNow
        guard wait <= longestWait.seconds else {
            throw LinearError(.rateLimited, "rate limited until \(MaestroJSON.timestamp(until))", retryAt: until)
        }
        try await Self.sleep(wait)
    }

    private static func pauseKey(_ endpoint: LinearEndpoint) -> String { endpoint.url + "\u{0}" + endpoint.apiKey }

    private static func sleep(_ seconds: Double) async throws(LinearError) {
        do {
            try await Task.sleep(for: .milliseconds(Int64(max(0, seconds) * 1000)))
        } catch {
            throw LinearError(.request, "cancelled")
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
