import Foundation
import Runtime
import Testing
import WorkflowParser

/// Hot reload (Symphony §6.2): a valid edit applies and bumps the revision; an invalid one keeps the
/// last good workflow and reports why.
@Suite struct WorkflowReloadTests {
    @Test func validEditsApplyAndInvalidOnesKeepTheLastGoodWorkflow() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("maestro-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("WORKFLOW.md").path
        let original = "---\ntracker:\n  kind: kanban\nagent:\n  max_concurrent_agents: 2\n---\nDo {{ issue.identifier }}.\n"
        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let source = try WorkflowSource(path: path)
        guard case .unchanged = await source.reloadIfChanged() else { Issue.record("an untouched file reloaded"); return }

        try original.replacingOccurrences(of: "max_concurrent_agents: 2", with: "max_concurrent_agents: 7")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await source.fileChanged())
        guard case .applied(let revision) = await source.reloadIfChanged() else { Issue.record("a valid edit was not applied"); return }
        #expect(revision == 2)
        #expect(await source.current.config.agent.maxConcurrentAgents == 7)

        try original.replacingOccurrences(of: "max_concurrent_agents: 2", with: "max_concurrent_agents: 0")
            .write(toFile: path, atomically: true, encoding: .utf8)
        guard case .rejected(let error) = await source.reloadIfChanged() else { Issue.record("an invalid edit was applied"); return }
        #expect(error.errors.first?.code == .invalidConfigValue && error.errors.first?.line == 5)
        #expect(await source.current.config.agent.maxConcurrentAgents == 7, "the last good workflow stays in force")
        #expect(await source.revision == 2)
        #expect(await source.lastError != nil)

        try FileManager.default.removeItem(atPath: path)
        guard case .rejected(let missing) = await source.reloadIfChanged() else { Issue.record("a deleted file was accepted"); return }
        #expect(missing.errors.first?.code == .missingWorkflowFile)
        #expect(await source.current.config.agent.maxConcurrentAgents == 7)
    }
}
