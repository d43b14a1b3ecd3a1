import Crypto
import Foundation
import Logging
public import Runtime

extension LinearProvider: WebhookReceiver {
    /// How far a delivery's `webhookTimestamp` may be from now (Linear's advice: a minute).
    static let webhookTolerance: TimeInterval = 60

    /// Verifies a delivery's `Linear-Signature` (HMAC-SHA256 of the raw body, hex) against the
    /// configured secrets and its `webhookTimestamp` against the clock, then refreshes the issue it
    /// names at once. Polling stays the source of truth: a delivery only makes maestro look sooner,
    /// and what it says is never written as such.
    public func receiveWebhook(headers: [String: String], body: [UInt8]) async throws -> WebhookOutcome {
        let api = RuntimeAPI(board: board, providers: Providers([self]))
        let projects = try await api.projects().filter { $0.provider == kind }
        var secrets: [String] = []
        for project in projects {
            guard let variable = await settings(for: project).webhookSecretVariable, let value = environment[variable], !value.isEmpty else {
                continue
            }
            if !secrets.contains(value) { secrets.append(value) }
        }
        guard !secrets.isEmpty else {
            throw APIError(
                .unsupportedByProvider, "Linear webhooks are off: set tracker.provider.webhook_secret: $NAME (or webhook_secret_env on a project)")
        }
        guard let signature = headers["linear-signature"].flatMap(Self.hexBytes) else {
            throw APIError(.unauthorized, "the delivery has no valid Linear-Signature header")
        }
        let signed = secrets.contains { secret in
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
        }
        guard signed else { throw APIError(.unauthorized, "the delivery's signature does not match the webhook secret") }
        guard let payload = try? JSONParser.parse(body), payload.objectValue != nil else {
            throw APIError(.invalidValue, "the delivery is not a JSON object")
        }
        guard let stamp = payload["webhookTimestamp"]?.doubleValue else {
            throw APIError(.unauthorized, "the delivery has no webhookTimestamp")
        }
        let age = now().timeIntervalSince1970 - stamp / 1000
        guard abs(age) <= Self.webhookTolerance else {
            throw APIError(.unauthorized, "stale delivery: its webhookTimestamp is \(Int(age)) s from now (at most \(Int(Self.webhookTolerance)) s)")
        }
        guard payload["type"]?.stringValue == "Issue", let id = payload["data"]?["id"]?.stringValue else {
            return WebhookOutcome(accepted: false, refreshed: [])
        }
        let identifier = payload["data"]?["identifier"]?.stringValue ?? id
        var refs: [IssueRef] = []
        if let projectId = payload["data"]?["projectId"]?.stringValue, let project = projects.first(where: { $0.externalId == projectId }) {
            refs.append(IssueRef(identifier: identifier, externalId: id, project: project.key))
        }
        // Moved out of a mirrored project: its old project learns it at once too.
        if let known = try? await api.issue(identifier), known.provider == kind, known.id == id,
            !refs.contains(where: { $0.project == known.project })
        {
            refs.append(IssueRef(identifier: identifier, externalId: id, project: known.project))
        }
        guard !refs.isEmpty else { return WebhookOutcome(accepted: false, refreshed: []) }
        _ = try await refresh(refs, force: true)
        logger.info(
            "Linear webhook: refreshed", metadata: ["issue_identifier": "\(identifier)", "action": "\(payload["action"]?.stringValue ?? "?")"])
        return WebhookOutcome(accepted: true, refreshed: [identifier])
    }

    /// Hex text as bytes; `nil` unless it is an even number of hex digits.
    static func hexBytes(_ text: String) -> Data? {
        let digits = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2) else { return nil }
        var bytes = Data(capacity: digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.hexValue(digits[index]), let low = Self.hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
