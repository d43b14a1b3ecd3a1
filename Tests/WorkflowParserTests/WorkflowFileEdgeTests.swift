import Foundation
import Testing

@testable import WorkflowParser

/// Files that are not what WORKFLOW.md should be, reported for what they are, with positions in the
/// file.
@Suite struct WorkflowFileEdgeTests {
    func load(_ bytes: [UInt8]) throws -> WorkflowError? {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("WORKFLOW.md").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do {
            _ = try WorkflowLoader.load(path: path, environment: testEnvironment)
            return nil
        } catch {
            return error
        }
    }

    /// A file that is not UTF-8 used to be reported as `missing_workflow_file`.
    @Test func aFileThatIsNotUTF8IsAnEncodingErrorAtItsPosition() throws {
        let bytes = Array("---\ntracker:\n  kind: kan".utf8) + [0xFF] + Array("ban\n---\nWork.\n".utf8)
        let diagnostic = try #require(try load(bytes)?.diagnostics.first)
        #expect(diagnostic.code == .workflowEncodingError)
        #expect((diagnostic.line, diagnostic.column) == (3, 12))
        #expect(diagnostic.message == "the file is not UTF-8 text: invalid UTF-8 (byte 0xFF)")
        let binary = try #require(try load(Array("Work é.".utf8) + [0, 1, 2])?.diagnostics.first)
        #expect(binary.code == .workflowEncodingError && (binary.line, binary.column) == (1, 8))
        #expect(binary.message.contains("a NUL byte"))
    }

    /// A blank line before the opening `---` used to turn the front matter into prompt text.
    @Test func aBlankLineBeforeTheFrontMatterIsSaid() {
        let failure = parseFailure("\n\n---\ntracker:\n  kind: kanban\n---\nWork.\n")
        let diagnostic = failure?.diagnostics.first
        #expect(diagnostic?.code == .workflowParseError)
        #expect(diagnostic?.line == 3 && diagnostic?.column == 1)
        #expect(diagnostic?.message == "the front matter must start on the first line, but 2 blank lines come before its '---'")
        // A prompt that merely contains a rule is still a prompt.
        #expect((try? parse("Work.\n\n---\nmore\n")) == nil, "no front matter: tracker.kind is missing, as before")
        #expect(parseFailure("Work.\n\n---\nmore\n")?.diagnostics.first?.code == .missingConfigValue)
    }

    /// The hint printed a literal `\n`.
    @Test func theTrackerKindHintIsOneClearLine() {
        let diagnostic = parseFailure("---\nagent: {max_turns: 3}\n---\nWork.\n")?.diagnostics.first { $0.code == .missingConfigValue }
        #expect(diagnostic?.hint == "add `tracker: {kind: kanban}` to the front matter")
        #expect(diagnostic?.description.contains("\\n") == false)
    }

    /// Positions inside template messages were counted from the prompt, not the file.
    @Test func positionsInsideTemplateMessagesAreFilePositions() {
        let body = parseFailure("---\ntracker: {kind: kanban}\n---\n\nHello\n{% if true %}\n")?.diagnostics.first
        #expect(body?.message == "'if' opened at 6:4 is never closed", "\(body?.message ?? "")")
        #expect(body?.line == 6 && body?.column == 4)
        let review = parseFailure(
            "---\ntracker: {kind: kanban}\nphases:\n  review:\n    prompt: |\n      Review.\n      {{ issue.identifier\n---\nWork.\n"
        )?.diagnostics.first
        #expect(review?.message == "'{{' opened at 7:7 is never closed (expected '}}')", "\(review?.message ?? "")")
    }
}
