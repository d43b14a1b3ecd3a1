import Foundation
import StateMachine
import Testing

@testable import Runtime

/// The live-run bookkeeping as a value: every rule checked without a process, a store or a clock.
@Suite struct RunBookTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func book(_ issues: Int64...) -> RunBook {
        var book = RunBook()
        for issue in issues {
            let registered = book.register(issue, identifier: "MEM-\(issue)", phase: .implementation, at: start)
            #expect(registered)
        }
        return book
    }

    func question(_ id: String) -> AgentRunReport {
        .inputRequired(AgentRequest(id: id, kind: "question", summary: "?", detail: AgentRequestDetail()))
    }

    @Test func aSecondRunOfTheSameIssueIsRefusedUntilTheFirstEnds() {
        var book = book(1)
        let second = book.register(1, identifier: "MEM-1", phase: .review, at: start)
        #expect(!second)
        #expect(book.runs[1]?.phase == .implementation)
        _ = book.ended(1)
        let afterEnd = book.register(1, identifier: "MEM-1", phase: .review, at: start)
        #expect(afterEnd)
    }

    @Test func aSilentRunStallsAfterTheLimitAndOnlyOnce() {
        var book = book(1, 2)
        book.record(.activity(event: "delta", message: nil), for: 2, at: start.addingTimeInterval(2))
        let early = book.stopStalled(at: start.addingTimeInterval(2.9), limitMs: 3000)
        #expect(early.isEmpty)
        #expect(book.nextStall(limitMs: 3000) == start.addingTimeInterval(3.001))
        let stalled = book.stopStalled(at: start.addingTimeInterval(3.5), limitMs: 3000)
        #expect(stalled == [.stop(issueId: 1, reason: "stalled: no agent activity for 3000 ms")])
        let later = book.stopStalled(at: start.addingTimeInterval(10), limitMs: 3000)
        #expect(later.map(\.issueId) == [2], "issue 1 is already stopping")
        var fresh = self.book(3)
        let disabled = fresh.stopStalled(at: start.addingTimeInterval(60), limitMs: 0)
        #expect(disabled.isEmpty, "0 disables stall checks")
    }

    @Test func aRunWaitingOnAnOperatorNeverStallsAndAnAnswerRestartsItsClock() {
        var book = book(1)
        book.record(question("q1"), for: 1, at: start.addingTimeInterval(1))
        let waiting = book.stopStalled(at: start.addingTimeInterval(3600), limitMs: 3000)
        #expect(waiting.isEmpty, "an hour waiting on a person")
        #expect(book.nextStall(limitMs: 3000) == nil)
        let answered = start.addingTimeInterval(3600)
        let actions = book.answer(AgentAnswer(requestId: "q1", text: "Postgres"), for: 1, at: answered)
        #expect(actions == [.deliver(issueId: 1, answer: AgentAnswer(requestId: "q1", text: "Postgres"))])
        let afterAnswer = book.stopStalled(at: answered.addingTimeInterval(2), limitMs: 3000)
        #expect(afterAnswer.isEmpty)
        #expect(book.nextStall(limitMs: 3000) == answered.addingTimeInterval(3.001))
    }

    @Test func answeringOneOfTwoRequestsBlocksTheRunAgainForTheOther() {
        var book = book(1)
        book.record(question("q1"), for: 1, at: start)
        book.record(question("q2"), for: 1, at: start)
        let first = book.answer(AgentAnswer(requestId: "q2", text: "yes"), for: 1, at: start)
        #expect(first == [.deliver(issueId: 1, answer: AgentAnswer(requestId: "q2", text: "yes")), .reblock(issueId: 1, requestId: "q1")])
        let second = book.answer(AgentAnswer(requestId: "q1", text: "Postgres"), for: 1, at: start)
        #expect(second == [.deliver(issueId: 1, answer: AgentAnswer(requestId: "q1", text: "Postgres"))])
    }

    @Test func aWithdrawnRequestNoLongerHoldsTheRun() {
        var book = book(1)
        book.record(question("q1"), for: 1, at: start)
        book.record(.requestResolved(id: "q1"), for: 1, at: start.addingTimeInterval(1))
        #expect(book.runs[1]?.awaiting == [])
        let stalled = book.stopStalled(at: start.addingTimeInterval(5), limitMs: 3000)
        #expect(stalled.count == 1)
    }

    @Test func theFirstStopReasonWinsAndAStoppedRunTakesNoAnswer() {
        var book = book(1)
        let first = book.stop(1, reason: "cancel -> released")
        let second = book.stop(1, reason: "daemon shutdown")
        #expect(first == [.stop(issueId: 1, reason: "cancel -> released")])
        #expect(second.isEmpty)
        #expect(book.runs[1]?.stopReason == "cancel -> released")
        let answer = book.answer(AgentAnswer(requestId: "q1", text: "x"), for: 1, at: start)
        #expect(answer.isEmpty)
        let unknown = book.stop(9, reason: "no such run")
        #expect(unknown.isEmpty)
    }

    @Test func workspaceRemovalWaitsForTheRunToEnd() {
        var book = book(1)
        let live = book.afterEnd(1, .removeWorkspace)
        let again = book.afterEnd(1, .removeWorkspace)
        #expect(live.isEmpty, "the run is still live")
        #expect(again.isEmpty, "asked twice")
        let ended = book.ended(1)
        #expect(ended == [.removeWorkspace(issueId: 1)], "queued once")
        let noRun = book.afterEnd(2, .removeWorkspace)
        #expect(noRun == [.removeWorkspace(issueId: 2)], "no run: at once")
        let endedTwice = book.ended(1)
        #expect(endedTwice.isEmpty)
    }

    @Test func telemetryIsFlushedOnceUntilItChangesAgain() {
        var book = book(1)
        book.started(1, sessionId: 7)
        book.record(.activity(event: "item/started", message: String(repeating: "x", count: 900)), for: 1, at: start)
        book.record(.tokens(TokenCounts(input: 5, output: 6, total: 11)), for: 1, at: start)
        let dirty = book.takeDirty()
        #expect(dirty.map(\.sessionId) == [7])
        #expect(dirty.first?.lastMessage?.count == 500)
        let again = book.takeDirty()
        #expect(again.isEmpty)
        #expect(book.runs[1]?.tokens.total == 11)
    }

    /// A run holds its slot until it is gone, whatever its row says meanwhile: released, cancelled
    /// or deleted issues whose agents are still exiting count.
    @Test func aLiveRunHoldsItsSlotUntilItEnds() {
        var book = RunBook()
        _ = book.register(1, identifier: "MEM-1", phase: .implementation, trackerState: " In_Progress", at: start)
        _ = book.register(2, identifier: "MEM-2", phase: .implementation, trackerState: "in_progress", at: start)
        #expect(book.slots(claimed: [1: "in_progress", 2: "in_progress"]) == ["in_progress": 2])
        #expect(book.slots(claimed: [2: "in_progress", 3: "todo"]) == ["in_progress": 2, "todo": 1], "issue 1's row left the claimed states")
        #expect(book.slots(claimed: [:]) == ["in_progress": 2], "both rows are gone")
        _ = book.ended(1)
        #expect(book.slots(claimed: [:]) == ["in_progress": 1])
    }

    /// One ending per run: a stop asked for before the run ended wins over what the run itself
    /// reports (a read timeout during shutdown is an interruption, not also a failure), and once
    /// judged, a later stop request changes nothing.
    @Test func aRunsEndingIsJudgedOnce() {
        var book = book(1, 2, 3, 4)
        _ = book.stop(1, reason: "daemon shutdown")
        #expect(book.conclude(1, .failed("no response to initialize in time")) == .stopped("daemon shutdown"))
        _ = book.stop(2, reason: "stalled: no agent activity for 3000 ms")
        #expect(book.conclude(2, .stopped) == .stalled("stalled: no agent activity for 3000 ms"))
        #expect(book.conclude(3, .failed("turn failed")) == .failed("turn failed"))
        #expect(book.stop(3, reason: "daemon shutdown").isEmpty, "the failure was judged first")
        #expect(book.conclude(3, .stopped) == .failed("turn failed"), "judged once")
        #expect(book.conclude(4, .completed(turns: 2)) == .completed(turns: 2))
        #expect(book.runs[3]?.verdict?.isOwnEnding == true && book.runs[1]?.verdict?.isOwnEnding == false)
        #expect(book.nextStall(limitMs: 1000) == nil, "judged runs never stall")
    }
}

extension RunBook.Action {
    var issueId: Int64 {
        switch self {
        case .stop(let issueId, _), .deliver(let issueId, _), .reblock(let issueId, _), .removeWorkspace(let issueId): issueId
        }
    }
}
