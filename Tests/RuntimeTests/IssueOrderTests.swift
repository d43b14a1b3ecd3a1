import Foundation
import Runtime
import RuntimeTesting
import StateMachine
import Testing

/// `issues(_:)` in each ``IssueOrder``, page by page.
@Suite struct IssueOrderTests {
    /// Every page of `query` in turn, `limit` issues at a time.
    static func pages(_ api: RuntimeAPI, _ query: IssueQuery, limit: Int) async throws -> [String] {
        var query = query
        query.limit = limit
        var identifiers: [String] = []
        for _ in 0..<20 {
            let page = try await api.issues(query)
            identifiers += page.items.map(\.identifier)
            guard let next = page.nextCursor else { return identifiers }
            query.cursor = next
        }
        Issue.record("more pages than issues")
        return identifiers
    }

    @Test func eachOrderListsEveryIssueOnceAcrossPages() async throws {
        let clock = TestClock()
        let harness = try await RuntimeHarness(clock: clock)
        defer { harness.cleanup() }
        // MEM-1 … MEM-12, a second apart, priorities 1, 2, 3, none, …; then MEM-3 and MEM-1 change.
        for index in 1...12 {
            clock.advance(by: 1)
            _ = try await harness.api.createIssue(in: "MEM", NewIssue(title: "issue \(index)", priority: index % 4 == 0 ? nil : index % 4))
        }
        clock.advance(by: 1)
        _ = try await harness.api.moveIssue("MEM-3", to: "in_progress")
        clock.advance(by: 1)
        _ = try await harness.api.moveIssue("MEM-1", to: "in_progress")

        let all = (1...12).map { "MEM-\($0)" }
        let dispatch = ["MEM-1", "MEM-5", "MEM-9", "MEM-2", "MEM-6", "MEM-10", "MEM-3", "MEM-7", "MEM-11", "MEM-4", "MEM-8", "MEM-12"]
        let expected: [IssueOrder: [String]] = [
            .dispatch: dispatch,
            .created: all.reversed(),
            .updated: ["MEM-1", "MEM-3"] + all.reversed().filter { $0 != "MEM-1" && $0 != "MEM-3" },
            .identifier: all,
        ]
        for order in IssueOrder.allCases {
            #expect(try await harness.api.issues(IssueQuery(order: order)).items.map(\.identifier) == expected[order], "\(order)")
            #expect(try await Self.pages(harness.api, IssueQuery(order: order), limit: 5) == expected[order], "\(order), paged")
        }
        #expect(try await harness.api.issues(IssueQuery()).items.map(\.identifier) == dispatch, "dispatch order by default")
    }

    @Test func aCursorBelongsToItsOrder() async throws {
        let harness = try await RuntimeHarness()
        defer { harness.cleanup() }
        for index in 1...3 { _ = try await harness.api.createIssue(in: "MEM", NewIssue(title: "issue \(index)")) }
        let updated = try #require(try await harness.api.issues(IssueQuery(limit: 1, order: .updated)).nextCursor)
        let dispatch = try #require(try await harness.api.issues(IssueQuery(limit: 1)).nextCursor)
        await #expect(throws: APIError.self) { try await harness.api.issues(IssueQuery(limit: 1, cursor: updated)) }
        await #expect(throws: APIError.self) { try await harness.api.issues(IssueQuery(limit: 1, cursor: dispatch, order: .identifier)) }
        #expect(try await harness.api.issues(IssueQuery(limit: 1, cursor: updated, order: .updated)).items.count == 1)
    }
}
