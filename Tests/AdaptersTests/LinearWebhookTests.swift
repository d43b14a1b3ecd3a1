import Adapters
import Foundation
import Runtime
import StateMachine
import Testing

/// Linear webhook deliveries handed to the Runtime API as the HTTP route will hand them: verified,
/// fresh, and acted on with a targeted refresh; polling stays the source of truth.
@Suite(.serialized) struct LinearWebhookTests {
    static let secretVariable = "MAESTRO_TEST_WEBHOOK_SECRET"

    func withWebhooks(_ body: (LinearHarness) async throws -> Void) async throws {
        try await FakeLinear.with { fake in
            let harness = try await LinearHarness(
                fake, provider: "    webhook_secret: $\(Self.secretVariable)", environment: [Self.secretVariable: FakeLinear.webhookSecret])
            defer { harness.cleanup() }
            try await body(harness)
        }
    }

    @Test func aSignedFreshDeliveryRefreshesThatIssueAtOnce() async throws {
        try await withWebhooks { linear in
            try await linear.fake.seed(issues: [linearIssue("watched")])
            try await linear.sync()
            try await linear.fake.change("ENG-1", ["state": "Canceled"])
            let delivery = try await linear.fake.webhook("ENG-1")
            let outcome = try await linear.api.receiveWebhook(provider: "linear", headers: delivery.headers, body: delivery.body)
            #expect(outcome == WebhookOutcome(accepted: true, refreshed: ["ENG-1"]))
            let issue = try await linear.issue("ENG-1")
            #expect(issue.state == "Canceled" && issue.lifecycle.state == .closed)
            let last = try #require(try await linear.fake.requests().last)
            #expect(last["variables"]?["filter"]?["id"] == ["in": [.string(issue.id)]], "one targeted refresh")

            // An issue created in Linear after the last poll arrives with its delivery.
            let created = try await linear.fake.seed(issues: [linearIssue("new in Linear")])
            let second = try await linear.fake.webhook(created[0])
            let arrived = try await linear.api.receiveWebhook(provider: "linear", headers: second.headers, body: second.body)
            let visible = try await linear.issue("ENG-2").visible
            #expect(arrived.refreshed == ["ENG-2"] && visible)
        }
    }

    @Test func badSignaturesAndStaleDeliveriesAreRefusedWithoutARequest() async throws {
        try await withWebhooks { linear in
            try await linear.fake.seed(issues: [linearIssue("watched")])
            try await linear.sync()
            let requests = try await linear.fake.requests().count
            let forged = try await linear.fake.webhook("ENG-1", badSignature: true)
            await expectCode("unauthorized") {
                _ = try await linear.api.receiveWebhook(provider: "linear", headers: forged.headers, body: forged.body)
            }
            let otherSecret = try await linear.fake.webhook("ENG-1", secret: "someone else's secret")
            await expectCode("unauthorized") {
                _ = try await linear.api.receiveWebhook(provider: "linear", headers: otherSecret.headers, body: otherSecret.body)
            }
            let stale = try await linear.fake.webhook("ENG-1", offsetMs: -120_000)
            await expectCode("unauthorized") { _ = try await linear.api.receiveWebhook(provider: "linear", headers: stale.headers, body: stale.body) }
            var tampered = try await linear.fake.webhook("ENG-1")
            tampered.body[tampered.body.count / 2] ^= 0x01
            await expectCode("unauthorized") {
                _ = try await linear.api.receiveWebhook(provider: "linear", headers: tampered.headers, body: tampered.body)
            }
            await expectCode("unauthorized") { _ = try await linear.api.receiveWebhook(provider: "linear", headers: [:], body: Array("{}".utf8)) }
            #expect(try await linear.fake.requests().count == requests, "nothing refused asked Linear")
        }
    }

    @Test func webhooksAreOffUnlessASecretIsConfigured() async throws {
        try await withLinear { linear in
            try await linear.fake.seed(issues: [linearIssue("watched")])
            let delivery = try await linear.fake.webhook("ENG-1")
            await expectCode("unsupported_by_provider") {
                _ = try await linear.api.receiveWebhook(provider: "linear", headers: delivery.headers, body: delivery.body)
            }
            await expectCode("unsupported_by_provider") {
                _ = try await linear.api.receiveWebhook(provider: "kanban", headers: delivery.headers, body: delivery.body)
            }
        }
    }
}
