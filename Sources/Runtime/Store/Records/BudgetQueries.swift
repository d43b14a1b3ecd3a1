import Foundation
package import GRDB
package import StateMachine

extension BudgetUsage {
    /// What the issue's runs used since its budget was last lifted (the latest transition carrying
    /// `reset_budget`, or ever): sessions started, their turns, and tokens — each session's growth
    /// of its thread's total, so a resumed thread's earlier tokens are not counted twice.
    package static func of(issue issueId: Int64, _ db: Database) throws -> BudgetUsage {
        let since =
            try Date.fetchOne(
                db,
                sql: """
                    SELECT MAX("at") FROM "transition"
                    WHERE issueId = ? AND json_extract(payload, '$.effects') LIKE '%reset_budget%'
                    """, arguments: [issueId]) ?? .distantPast
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COUNT(*), COALESCE(SUM(turnCount), 0), COALESCE(SUM(grown), 0) FROM (
                  SELECT startedAt, turnCount,
                    MAX(0, totalTokens - COALESCE(
                      LAG(totalTokens) OVER (PARTITION BY COALESCE(threadId, 'session-' || id) ORDER BY id), 0)) AS grown
                  FROM session WHERE issueId = ?
                ) WHERE startedAt >= ?
                """, arguments: [issueId, since])
        return BudgetUsage(runs: row?[0] ?? 0, turns: row?[1] ?? 0, tokens: row?[2] ?? 0)
    }
}
