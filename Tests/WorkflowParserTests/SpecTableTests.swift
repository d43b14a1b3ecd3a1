import Foundation
import Testing

@testable import WorkflowParser

/// Specs/workflow.md, read from the repository this test file lives in.
private func workflowSpec() throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("Specs/workflow.md"), encoding: .utf8)
}

/// The body rows of the markdown table whose header line is exactly `header`, split into trimmed cells.
/// Rows end at the first line that does not start with `|`.
private func tableRows(after header: String, in markdown: String) -> [[String]] {
    let lines = markdown.components(separatedBy: "\n")
    guard let start = lines.firstIndex(of: header), start + 1 < lines.count, lines[start + 1].hasPrefix("| ---") else {
        Issue.record("no table with header '\(header)'")
        return []
    }
    return lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map { row in
        row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// The text between backticks when `cell` is one code span; records an issue otherwise.
private func code(_ cell: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    guard cell.count >= 2, cell.hasPrefix("`"), cell.hasSuffix("`") else {
        Issue.record("cell '\(cell)' is not wrapped in backticks", sourceLocation: sourceLocation)
        return cell
    }
    return String(cell.dropFirst().dropLast())
}

/// One key as documented, comparable with ``ConfigKey``.
private struct DocumentedKey: Equatable, CustomStringConvertible {
    var path: String
    var type: String
    var defaultValue: String
    var validation: String
    var appliesOnReload: Bool

    var description: String { "\(path) | \(type) | \(defaultValue) | \(validation) | \(appliesOnReload)" }
}

private let keysHeader = "| key | type | default | validation | reload |"
private let codesHeader = "| code | severity | when |"

@Suite struct SpecTableTests {
    @Test func keysTableMatchesConfigSchema() throws {
        let rows = tableRows(after: keysHeader, in: try workflowSpec())
        var documented: [DocumentedKey] = []
        for row in rows {
            guard row.count == 5 else {
                Issue.record("row \(row) has \(row.count) cells, expected 5")
                continue
            }
            #expect(["yes", "no (restart)"].contains(row[4]), "reload cell of \(row[0]) is '\(row[4])'")
            documented.append(
                DocumentedKey(
                    path: code(row[0]), type: row[1], defaultValue: code(row[2]), validation: row[3],
                    appliesOnReload: row[4] == "yes"))
        }
        let schema = ConfigSchema.keys.map {
            DocumentedKey(
                path: $0.path, type: $0.type, defaultValue: $0.defaultValue, validation: $0.validation,
                appliesOnReload: $0.appliesOnReload)
        }
        #expect(documented.count == 42)
        // Same keys in the same order, then each row field by field (one focused failure per row).
        #expect(documented.map(\.path) == schema.map(\.path))
        for (row, key) in zip(documented, schema) where row.path == key.path {
            #expect(row == key)
        }
    }

    @Test func tablesEndWithABlankLine() throws {
        // In GitHub Markdown a table continues until a blank line: a paragraph line right after the
        // last row is rendered as one more row.
        let lines = try workflowSpec().components(separatedBy: "\n")
        for header in [keysHeader, codesHeader] {
            guard let start = lines.firstIndex(of: header) else {
                Issue.record("no table '\(header)'")
                continue
            }
            let end = lines[start...].firstIndex { !$0.hasPrefix("|") } ?? lines.count
            let next = end < lines.count ? lines[end] : ""
            if header == keysHeader {
                #expect(next.isEmpty, "line after the table: '\(next)'")
            } else {
                #expect(next.isEmpty, "line after the table: '\(next)'")
            }
        }
    }

    @Test func everyKeyRendersItsDocumentedDefault() throws {
        let config = try parse(minimalWorkflow).config
        for key in ConfigSchema.keys {
            switch key.path {
            case "tracker.kind":
                #expect(key.defaultValue == "(required)")
            case "workspace.root":
                #expect(key.defaultValue == "<system temp>/maestro_workspaces")
                #expect(key.render(config) == defaultWorkspaceRoot)
            default:
                #expect(key.render(config) == key.defaultValue, "\(key.path)")
            }
        }
    }

    @Test func everyKeyRendersAnOverriddenValue() throws {
        // The render closures read the right field: a non-default value must change the rendering.
        let config = try parse(
            workflowText(
                "tracker:",
                "  kind: kanban",
                "  active_states: [ready]",
                "  terminal_states: [closed]",
                "  required_labels: [agent]",
                "  provider: {b: 1, a: $TOKEN}",
                "  claim_state: ready",
                "  review_state: waiting",
                "  done_state: closed",
                "polling: {interval_ms: 1}",
                "workspace: {root: /ws}",
                "hooks: {after_create: a, before_run: b, after_run: c, before_remove: d, timeout_ms: 2}",
                "agent:",
                "  max_concurrent_agents: 3",
                "  max_turns: 4",
                "  max_retry_backoff_ms: 5",
                "  max_automatic_retries: 6",
                "  continuation_delay_ms: 7",
                "  max_concurrent_agents_by_state: {b: 2, a: 1}",
                "  max_runs_per_issue: 11",
                "  max_turns_per_issue: 12",
                "  max_tokens_per_issue: 13",
                "codex:",
                "  command: run",
                "  approval_policy: {granular: {x: 1}}",
                "  thread_sandbox: read-only",
                "  turn_sandbox_policy: {type: readOnly}",
                "  turn_timeout_ms: 8",
                "  read_timeout_ms: 9",
                "  stall_timeout_ms: 0",
                "server: {port: 1, host: 10.0.0.2, auth_token: $API}",
                "phases:",
                "  review: {enabled: true, prompt: r}",
                "  done: {enabled: true, prompt: d}"),
            environment: ["TOKEN": "t", "API": "secret"]
        ).config
        let rendered = Dictionary(uniqueKeysWithValues: ConfigSchema.keys.map { ($0.path, $0.render(config)) })
        #expect(
            rendered == [
                "tracker.kind": "kanban", "tracker.active_states": "[ready]", "tracker.terminal_states": "[closed]",
                "tracker.required_labels": "[agent]", "tracker.provider": "{a, b}", "tracker.claim_state": "ready",
                "tracker.review_state": "waiting", "tracker.done_state": "closed", "tracker.endpoint": "null",
                "tracker.api_key": "null", "tracker.project_slug": "null", "tracker.assignee": "null", "polling.interval_ms": "1",
                "workspace.root": "/ws", "hooks.after_create": "a", "hooks.before_run": "b", "hooks.after_run": "c",
                "hooks.before_remove": "d", "hooks.timeout_ms": "2", "agent.max_concurrent_agents": "3",
                "agent.max_turns": "4", "agent.max_retry_backoff_ms": "5", "agent.max_automatic_retries": "6",
                "agent.continuation_delay_ms": "7", "agent.max_concurrent_agents_by_state": "{a: 1, b: 2}",
                "agent.max_runs_per_issue": "11", "agent.max_turns_per_issue": "12", "agent.max_tokens_per_issue": "13",
                "codex.command": "run", "codex.approval_policy": "{granular}", "codex.thread_sandbox": "read-only",
                "codex.turn_sandbox_policy": "{...}", "codex.turn_timeout_ms": "8", "codex.read_timeout_ms": "9",
                "codex.stall_timeout_ms": "0", "server.port": "1", "server.host": "10.0.0.2", "server.auth_token": "$API",
                "phases.review.enabled": "true",
                "phases.review.prompt": "(template)", "phases.done.enabled": "true", "phases.done.prompt": "(template)",
            ])
    }

    @Test func openMapsAreDocumentedKeys() {
        let paths = Set(ConfigSchema.keys.map(\.path))
        #expect(ConfigSchema.openMaps.subtracting(paths).isEmpty)
        #expect(Set(ConfigSchema.keys.filter { $0.type.hasPrefix("map") }.map(\.path)).isSubset(of: ConfigSchema.openMaps))
    }

    @Test func errorCodeTableListsEveryCode() throws {
        let rows = tableRows(after: codesHeader, in: try workflowSpec())
        #expect(rows.map { code($0[0]) } == WorkflowErrorCode.allCases.map(\.rawValue))
        for row in rows {
            let isWarning = code(row[0]) == WorkflowErrorCode.unknownConfigKey.rawValue
            #expect(isWarning ? row[1] == "warning" : row[1].hasPrefix("error"), "severity of \(row[0]): \(row[1])")
        }
    }

    @Test func diagnosticExampleIsWhatTheLoaderPrints() throws {
        let spec = try workflowSpec()
        let section = try #require(spec.range(of: "## Diagnostics"))
        let fenceStart = try #require(spec.range(of: "```\n", range: section.upperBound..<spec.endIndex))
        let fenceEnd = try #require(spec.range(of: "\n```", range: fenceStart.upperBound..<spec.endIndex))
        let example = String(spec[fenceStart.upperBound..<fenceEnd.lowerBound])

        // agent.max_turns: 0 at line 14, column 18, as in the example.
        let text = lines(
            "---", "tracker:", "  kind: kanban", "polling:", "  interval_ms: 30000", "hooks:", "  timeout_ms: 60000",
            "codex:", "  read_timeout_ms: 5000", "server:", "  port: 8787", "agent:", "      max_concurrent_agents: 4",
            "      max_turns: 0", "---", "Work.")
        #expect(parseFailure(text)?.description == example)
    }
}
