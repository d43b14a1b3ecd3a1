import Foundation
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// An issue's story for `maestro logs`: transitions, hook output and agent events, in time order,
/// and a cursor under which a follower sees each entry exactly once.
@Suite struct IssueLogTests {
    @Test func theLogTellsTheIssuesStoryInOrderAndAFollowerSeesEachEntryOnce() async throws {
        let harness = try await RuntimeHarness(
            """
            hooks:
              before_run: |
                echo preparing the workspace
                echo second line
            """
        ) { request in
            [.tokens(input: 10, output: 5), .activity("turn/completed", message: "Implemented the greeting."), .move(to: "human_review")]
        }
        defer { harness.cleanup() }
        try await harness.running {
            try await harness.add("Greet")
            try await harness.eventually("the run ended in review") { try await harness.issue("MEM-1").lifecycle.state == .review }
            try await harness.eventually("the session ended") {
                try await harness.api.issueLog("MEM-1").entries.contains { $0.kind == .sessionEnded }
            }
        }
        let (entries, cursor) = try await harness.api.issueLog("mem-1")
        let kinds = entries.map(\.kind)
        let texts = entries.map(\.text)
        #expect(entries.map(\.at) == entries.map(\.at).sorted(), "time order")
        // The claim, the hook, the session, the agent's words, the handoff, in that order.
        let dispatch = try #require(texts.firstIndex { $0.hasPrefix("queued → workspace on dispatch") })
        let hook = try #require(texts.firstIndex { $0.hasPrefix("hook.before_run: ") })
        let started = try #require(kinds.firstIndex(of: .sessionStarted))
        let said = try #require(texts.firstIndex { $0 == "agent.turn_completed: Implemented the greeting." })
        let ended = try #require(kinds.firstIndex(of: .sessionEnded))
        let review = try #require(texts.firstIndex { $0.hasPrefix("running → review on run_ended") })
        #expect(dispatch < hook && hook < started && started < said && said < ended && ended < review, "\(texts)")
        #expect(texts[hook].contains("preparing the workspace\nsecond line"))
        #expect(entries[ended].session?.tokens.totalTokens == 15)
        #expect(texts[ended].contains("15 tokens"))
        // Nothing new: nothing returned, and the cursor stays put.
        let again = try await harness.api.issueLog("MEM-1", after: cursor)
        #expect(again.entries.isEmpty)
        #expect(again.cursor == cursor)
        // A follower that started mid-way sees the rest exactly once.
        var midway = IssueLogCursor()
        midway.transitionSeq = try #require(entries[dispatch].transition?.seq)
        let rest = try await harness.api.issueLog("MEM-1", after: midway).entries.filter { $0.kind == .transition }
        #expect(rest.count == entries.filter { $0.kind == .transition }.count - 1)
        await #expect(throws: APIError.self) { try await harness.api.issueLog("MEM-404") }
    }
}
