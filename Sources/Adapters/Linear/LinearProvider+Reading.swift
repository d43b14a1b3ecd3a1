import Foundation
import Logging
public import Runtime
import StateMachine
import Synchronization

/// What one sync pass did.
public struct LinearSyncReport: Sendable, Hashable {
    /// Issues read in the followed states.
    public var issues: Int
    public var pages: Int
    /// Issues that left the followed states, refreshed by id.
    public var leavers: Int
}

extension LinearProvider {
    /// Issues per by-id request (and the nested page size for labels and blockers).
    static let batchSize = 50
    static let nestedFirst = 20

    /// The project and, when set, the assignee filter: what "in scope" means for this project.
    func scope(_ info: LinearProjectInfo, _ settings: LinearProjectSettings) -> [String: JSONValue] {
        var filter: [String: JSONValue] = ["project": ["id": ["eq": .string(info.id)]]]
        if let assignee = settings.assignee {
            filter["assignee"] = assignee.lowercased() == "me" ? ["isMe": ["eq": true]] : ["id": ["eq": .string(assignee)]]
        }
        return filter
    }

    /// Reads every page of `filter`, handing each page's issues to `page` as it arrives. A sync
    /// drops a malformed issue with a warning; a refresh by id (`strict`) fails on one.
    func pages(
        filter: [String: JSONValue], pageSize: Int, strict: Bool, at endpoint: LinearEndpoint, maxPages: Int = 5000,
        _ page: ([LinearIssue]) async throws -> Void
    ) async throws -> (issues: Int, pages: Int) {
        var after: JSONValue = .null
        var count = 0
        var pages = 0
        while true {
            let variables: JSONValue = [
                "filter": .object(filter), "first": .int(pageSize), "after": after, "nestedFirst": .int(Self.nestedFirst),
            ]
            let data = try await transport.data(.issuesPage, variables: variables, at: endpoint)
            guard let connection = data["issues"], let nodes = connection["nodes"]?.arrayValue else {
                throw LinearError(.response, "an issues page without nodes")
            }
            pages += 1
            var issues: [LinearIssue] = []
            for node in nodes {
                switch LinearIssue.from(node) {
                case .success(let issue):
                    if issue.truncated {
                        logger.notice(
                            "Linear issue has more labels or blockers than one page; the rest are not mirrored",
                            metadata: ["issue_identifier": "\(issue.snapshot.identifier)"])
                    }
                    issues.append(issue)
                case .failure(let error):
                    if strict { throw error }
                    logger.warning("dropped a malformed Linear issue", metadata: ["error": "\(error)"])
                }
            }
            count += issues.count
            try await page(issues)
            guard connection["pageInfo"]?["hasNextPage"]?.boolValue == true else { return (count, pages) }
            guard let cursor = connection["pageInfo"]?["endCursor"]?.stringValue, !cursor.isEmpty else {
                throw LinearError(.pagination, "Linear announced another page without an endCursor (after page \(pages))")
            }
            guard pages < maxPages else { throw LinearError(.pagination, "more than \(maxPages) pages; stopped") }
            after = .string(cursor)
        }
    }

    /// Writes snapshots into the project's mirror and remembers when each was read.
    func keep(_ issues: [LinearIssue], in projectKey: String) async throws {
        guard !issues.isEmpty else { return }
        let instant = ContinuousClock.now
        memory.withLock { memory in
            for issue in issues {
                memory.fetchedAt[issue.snapshot.externalId] = instant
                if let team = issue.teamId { memory.teamOfIssue[issue.snapshot.externalId] = team }
            }
        }
        let snapshots = issues.map(\.snapshot)
        do {
            try await board.upsert(snapshots, in: projectKey)
        } catch let error as APIError where error.code == APIError.Code.projectNotFound.rawValue {
            throw error
        } catch {
            // One row the store refuses (an identifier another project holds) must not hold up the rest.
            for snapshot in snapshots {
                do {
                    try await board.upsert([snapshot], in: projectKey)
                } catch {
                    logger.warning(
                        "skipped a Linear issue the store refused",
                        metadata: ["issue_identifier": "\(snapshot.identifier)", "project": "\(projectKey)", "error": "\(error)"])
                }
            }
        }
    }

    // MARK: - Refresh by id

    /// Brings these issues up to date: one request per project and 50 issues (Linear's `issues`
    /// with an id filter, never aliased `issue(id:)` lookups, which fail together on one miss).
    /// Issues read in the last moments are skipped; issues Linear no longer shows in the project's
    /// scope become not visible.
    public func refresh(_ issues: [IssueRef]) async throws {
        _ = try await refresh(issues, force: false)
    }

    /// Refreshes `refs` (all of them with `force`); returns the identifiers now visible.
    func refresh(_ refs: [IssueRef], force: Bool) async throws -> [String] {
        let cutoff = ContinuousClock.now - freshness
        let due =
            force
            ? refs : memory.withLock { memory in refs.filter { (memory.fetchedAt[$0.externalId] ?? cutoff) <= cutoff } }
        guard !due.isEmpty else { return [] }
        let projects = Dictionary(
            try await RuntimeAPI(board: board, providers: Providers([self])).projects().map { ($0.key, $0) },
            uniquingKeysWith: { first, _ in first })
        var refreshed: [String] = []
        for (key, group) in Dictionary(grouping: due, by: \.project) {
            guard let project = projects[key], project.provider == kind else { continue }
            refreshed += try await linear {
                try await refreshByIds(Array(Set(group.map(\.externalId))).sorted(), of: project)
            }
        }
        return refreshed
    }

    /// Reads `ids` in the project's scope; those Linear does not return are hidden.
    func refreshByIds(_ ids: [String], of project: ProjectView) async throws -> [String] {
        let (endpoint, settings) = try await endpoint(for: project)
        let info = try await projectInfo(project, at: endpoint)
        var visible: [String] = []
        for start in stride(from: 0, to: ids.count, by: Self.batchSize) {
            let batch = Array(ids[start..<min(start + Self.batchSize, ids.count)])
            var filter = scope(info, settings)
            filter["id"] = ["in": .array(batch.map(JSONValue.string))]
            var found = Set<String>()
            _ = try await pages(filter: filter, pageSize: batch.count, strict: true, at: endpoint) { issues in
                found.formUnion(issues.map(\.snapshot.externalId))
                visible += issues.map(\.snapshot.identifier)
                try await keep(issues, in: project.key)
            }
            let missing = batch.filter { !found.contains($0) }
            if !missing.isEmpty { try await board.hide(externalIds: missing, in: project.key) }
        }
        return visible
    }

    // MARK: - Sync

    /// One pass over a project: the issues in `states` page by page into the store, then the
    /// visible issues last seen in one of those states that the pass did not return, refreshed by
    /// id (a moved issue gets its new state; one gone from the scope is hidden, never deleted).
    /// The last good copy stays when a pass fails: nothing is hidden before every page was read.
    /// Throws ``LinearError`` (or the store's ``APIError``) as it is, for the caller's backoff.
    public func sync(
        _ project: ProjectView, states: [String], progress: @Sendable (_ issues: Int, _ pages: Int) -> Void = { _, _ in }
    ) async throws -> LinearSyncReport {
        let (endpoint, settings) = try await endpoint(for: project)
        let stale = memory.withLock { $0.projectsFetchedAt[project.externalId ?? ""] }.map { ContinuousClock.now - $0 > .seconds(300) }
        let info = try await projectInfo(project, at: endpoint, reload: stale ?? true)
        let (followed, missing) = info.canonical(states)
        if !missing.isEmpty, stale != false {
            logger.notice(
                "Linear project has no state named like these workflow states; they are not synced",
                metadata: ["project": "\(project.key)", "states": "\(missing.joined(separator: ", "))"])
        }
        var seen = Set<String>()
        var pageCount = 0
        var read = (issues: 0, pages: 0)
        if !followed.isEmpty {
            var filter = scope(info, settings)
            filter["state"] = ["name": ["in": .array(followed.map(JSONValue.string))]]
            read = try await pages(filter: filter, pageSize: settings.pageSize, strict: false, at: endpoint) { issues in
                seen.formUnion(issues.map(\.snapshot.externalId))
                try await keep(issues, in: project.key)
                pageCount += 1
                progress(seen.count, pageCount)
            }
        }
        let followedNames = Set(states.map(normalizedTrackerState))
        let leavers = try await board.visibleTrackerStates(in: project.key).filter {
            !seen.contains($0.key) && followedNames.contains(normalizedTrackerState($0.value))
        }.keys.sorted()
        if !leavers.isEmpty { _ = try await refreshByIds(leavers, of: project) }
        return LinearSyncReport(issues: read.issues, pages: read.pages, leavers: leavers.count)
    }
}
