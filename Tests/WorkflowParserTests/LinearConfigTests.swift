import Foundation
import Testing

@testable import WorkflowParser

/// `tracker.kind: linear`: Symphony's keys (flat and under `provider`), its defaults and its errors.
@Suite struct LinearConfigTests {
    static let environment = ["HOME": "/home/tester", "LINEAR_API_KEY": "lin_api_default", "MY_KEY": "lin_api_mine"]

    @Test func aSymphonyTrackerSectionLoadsWithItsDefaults() throws {
        let workflow = try parse(
            workflowText(
                "tracker:",
                "  kind: linear",
                "  project_slug: symphony-0c79b11b75ea",
                "  api_key: $MY_KEY",
                "  endpoint: http://127.0.0.1:9/graphql",
                "  assignee: me"),
            environment: Self.environment)
        let tracker = workflow.config.tracker
        #expect(tracker.kind == "linear")
        #expect(tracker.activeStates == ["Todo", "In Progress"])
        #expect(tracker.terminalStates == ["Closed", "Cancelled", "Canceled", "Duplicate", "Done"])
        #expect(tracker.claimState == "In Progress" && tracker.reviewState == "Human Review" && tracker.doneState == "Done")
        #expect(tracker.provider["project_slug"] == .string("symphony-0c79b11b75ea"))
        #expect(tracker.provider["api_key"] == .string("lin_api_mine"))
        #expect(tracker.providerEnvironmentNames == ["api_key": "MY_KEY"])
        #expect(tracker.provider["endpoint"] == .string("http://127.0.0.1:9/graphql"))
        #expect(tracker.provider["assignee"] == .string("me"))
        #expect(workflow.warnings.isEmpty, "\(workflow.warnings)")
        // The alias keys render their values; the key only as its variable.
        let rendered = Dictionary(uniqueKeysWithValues: ConfigSchema.keys.map { ($0.path, $0.render(workflow.config)) })
        #expect(rendered["tracker.api_key"] == "$MY_KEY" && rendered["tracker.project_slug"] == "symphony-0c79b11b75ea")
        #expect(rendered["tracker.endpoint"] == "http://127.0.0.1:9/graphql" && rendered["tracker.assignee"] == "me")
        #expect(rendered["tracker.kind"] == "linear")
    }

    @Test func providerKeysWinOverFlatOnesAndTheKeyDefaultsToLinearApiKey() throws {
        let workflow = try parse(
            workflowText(
                "tracker:", "  kind: linear", "  project_slug: flat", "  provider:", "    project_slug: nested", "    page_size: 25"),
            environment: Self.environment)
        let tracker = workflow.config.tracker
        #expect(tracker.provider["project_slug"] == .string("nested"))
        #expect(tracker.provider["api_key"] == .string("lin_api_default"))
        #expect(tracker.providerEnvironmentNames["api_key"] == "LINEAR_API_KEY")
        #expect(tracker.provider["page_size"] == .int(25))
    }

    @Test func explicitStatesAndMappingsStayAsWritten() throws {
        let workflow = try parse(
            workflowText(
                "tracker:", "  kind: linear", "  project_slug: p", "  active_states: Todo, In Progress, Rework",
                "  terminal_states: [Done, Canceled]"),
            environment: Self.environment)
        #expect(workflow.config.tracker.activeStates == ["Todo", "In Progress", "Rework"])
        #expect(workflow.warnings.map(\.code) == [.invalidConfigValue], "a comma string is accepted with a warning")
    }

    @Test func missingKeysFailWithSymphonysCodes() throws {
        let noKey = try #require(
            parseFailure(workflowText("tracker:", "  kind: linear", "  project_slug: p"), environment: ["HOME": "/h"]))
        #expect(noKey.errors.map(\.code) == [.missingTrackerApiKey])
        let unset = try #require(
            parseFailure(workflowText("tracker:", "  kind: linear", "  project_slug: p", "  api_key: $NOT_SET"), environment: Self.environment))
        #expect(unset.errors.map(\.code) == [.missingTrackerApiKey])
        #expect(unset.errors.first?.line == 5)
        let noSlug = try #require(parseFailure(workflowText("tracker:", "  kind: linear"), environment: Self.environment))
        #expect(noSlug.errors.map(\.code) == [.missingTrackerProjectSlug])
        // A literal key is refused, and never printed.
        let literal = try #require(
            parseFailure(workflowText("tracker:", "  kind: linear", "  project_slug: p", "  api_key: lin_api_literal"), environment: Self.environment)
        )
        #expect(literal.errors.map(\.code) == [.invalidConfigValue])
        #expect(!literal.description.contains("lin_api_literal"))
        let badSize = try #require(
            parseFailure(
                workflowText("tracker:", "  kind: linear", "  project_slug: p", "  provider: {page_size: 500}"), environment: Self.environment))
        #expect(badSize.errors.map(\.code) == [.invalidConfigValue])
        let secret = try #require(
            parseFailure(
                workflowText("tracker:", "  kind: linear", "  project_slug: p", "  provider: {webhook_secret: $NO_SECRET}"),
                environment: Self.environment))
        #expect(secret.errors.map(\.code) == [.unsetEnvironmentVariable])
    }

    @Test func flatLinearKeysAreIgnoredWithAWarningForAnotherKind() throws {
        let workflow = try parse(workflowText("tracker:", "  kind: kanban", "  project_slug: p"), environment: Self.environment)
        #expect(workflow.warnings.map(\.code) == [.unknownConfigKey])
        #expect(workflow.config.tracker.provider.isEmpty)
        #expect(workflow.config.tracker.activeStates == ["todo", "in_progress"])
    }
}
