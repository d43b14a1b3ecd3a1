import Adapters
import Foundation
import GRDB
import Runtime
import StateMachine
import Testing

extension KanbanTests {
    /// Projects, their keys and per-project identifier counters.
    @Suite struct Identifiers {
        @Test func identifiersCountPerProject() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.project(key: "OPS")
                #expect(try await board.add("a").identifier == "MAE-1")
                #expect(try await board.add("b").identifier == "MAE-2")
                #expect(try await board.add("c", in: "OPS").identifier == "OPS-1")
                #expect(try await board.add("d", in: "ops").identifier == "OPS-2")
                #expect(try await board.add("e", in: "Project MAE").identifier == "MAE-3")
                let projects = try await board.api.projects()
                #expect(projects.map(\.key) == ["MAE", "OPS"])
                #expect(projects.map(\.issueCount) == [3, 2])
                #expect(try await board.projectRecord("MAE").nextNumber == 4)
                #expect(try await board.projectRecord("OPS").nextNumber == 3)
                // A kanban issue's tracker id is its identifier.
                #expect(try await board.issue("OPS-2").id == "OPS-2")
                #expect(try await board.issue("OPS-2").project == "OPS")
                #expect(try await board.issue("OPS-2").provider == "kanban")
            }
        }

        @Test func deletingAnIssueDoesNotReuseItsNumber() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                try await board.add("b")
                let second = try await board.rowId("MAE-2")
                #expect(try await board.api.deleteIssue("MAE-2").identifier == "MAE-2")
                let third = try await board.add("c")
                #expect(third.identifier == "MAE-3")
                #expect(try await board.rowId("MAE-3") != second)
                #expect(try await board.issues().map(\.identifier) == ["MAE-1", "MAE-3"])
                let missing = await apiError { _ = try await board.detail("MAE-2") }
                #expect(missing == APIError(.issueNotFound, "no issue 'MAE-2'"))
            }
        }

        @Test func aNewIssueNeverInheritsADeletedIssuesHistory() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a", state: "backlog")
                let old = try await board.rowId("MAE-1")
                #expect(try await board.detail("MAE-1").transitions.count == 1)
                _ = try await board.api.deleteIssue("MAE-1")
                // The deleted issue had the highest row id; a reused id would inherit its log rows.
                try await board.add("b", state: "backlog")
                #expect(try await board.rowId("MAE-2") != old)
                #expect(try await board.detail("MAE-2").transitions.map(\.issue) == ["MAE-2"])
                #expect(try await board.log().map(\.identifier) == ["MAE-1", "MAE-2"])
            }
        }

        @Test func aRefusedCreateTakesNoNumber() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let error = await apiError { try await board.add("a", blockedBy: ["MAE-9"]) }
                #expect(error == APIError(.issueNotFound, "no issue 'MAE-9'"))
                #expect(try await board.add("b").identifier == "MAE-1")
            }
        }

        @Test(arguments: [
            ("maestro", "MAES"), ("maestro core", "MC"), ("Maestro Core Web App Extra", "MCWA"), ("ab", "AB"),
            ("2024 roadmap", "ROAD"), ("x-ray vision", "XRV"), ("42", "P"),
        ])
        func keysAreDerivedFromTheName(name: String, key: String) async throws {
            try await withBoard { board in
                let project = try await board.createProject(name: name)
                #expect(project.key == key)
                #expect(project.name == name)
                #expect(project.issueCount == 0)
                #expect(try await board.projectRecord(key).nextNumber == 1)
            }
        }

        @Test func explicitKeysAreUppercasedAndNamesTrimmed() async throws {
            try await withBoard { board in
                let project = try await board.createProject(name: "  Maestro  ", key: "mae2", description: "the core")
                #expect(project.key == "MAE2")
                #expect(project.name == "Maestro")
                #expect(project.description == "the core")
                #expect(project.provider == "kanban")
                #expect(project.externalId == nil)
                #expect(try await board.api.project("mae2") == project)
                #expect(try await board.api.project("Maestro") == project)
                #expect(try await board.add("a", in: "MAE2").identifier == "MAE2-1")
                let created = try #require(try await board.changes().first)
                #expect(ChangeRow(created) == ChangeRow(.projectCreated, "MAE2"))
                #expect(created.details == ["name": "Maestro", "provider": "kanban"])
            }
        }

        @Test(arguments: ["1AB", "MAE-X", "ABCDEFGHIJK", "MÄE", "", "A B"])
        func invalidKeysAreRefused(key: String) async throws {
            try await withBoard { board in
                let error = await apiError { _ = try await board.createProject(name: "Maestro", key: key) }
                #expect(
                    error
                        == APIError(
                            .invalidValue,
                            "project key '\(key.uppercased())' must be 1-10 ASCII letters or digits, starting with a letter; choose one with --key"))
                #expect(error?.code == "invalid_value")
                // Read outside #expect: Swift 6.3 rejects `try` inside it in this parameterized test.
                let projects = try await board.api.projects()
                let changes = try await board.changes()
                #expect(projects.isEmpty)
                #expect(changes.isEmpty)
            }
        }

        @Test func aTenCharacterKeyIsAllowed() async throws {
            try await withBoard { board in
                let project = try await board.createProject(name: "Long", key: "ABCDEFGHI9")
                #expect(project.key == "ABCDEFGHI9")
            }
        }

        @Test func aBlankNameIsRefused() async throws {
            try await withBoard { board in
                let error = await apiError { _ = try await board.createProject(name: "   ", key: "MAE") }
                #expect(error == APIError(.invalidValue, "a project needs a name"))
            }
        }

        @Test func duplicateProjectsAreRefusedByNameAndByKey() async throws {
            try await withBoard { board in
                _ = try await board.createProject(name: "Maestro", key: "MAE")
                let byKey = await apiError { _ = try await board.createProject(name: "Other", key: "mae") }
                #expect(byKey == APIError(.duplicateProject, "a project named or keyed 'MAE' already exists"))
                #expect(byKey?.code == "duplicate_project")
                let byName = await apiError { _ = try await board.createProject(name: "Maestro", key: "OTHER") }
                #expect(byName == APIError(.duplicateProject, "a project named or keyed 'Maestro' already exists"))
                // A derived key that collides is a duplicate too.
                _ = try await board.createProject(name: "Conductor")
                let derived = await apiError { _ = try await board.createProject(name: "Conductor2") }
                #expect(derived == APIError(.duplicateProject, "a project named or keyed 'COND' already exists"))
                #expect(try await board.api.projects().map(\.key) == ["COND", "MAE"])
            }
        }

        @Test func projectsAreFoundByKeyInAnyCaseOrByExactName() async throws {
            try await withBoard { board in
                let alpha = try await board.createProject(name: "Alpha", key: "ABC")
                let named = try await board.createProject(name: "abc", key: "XYZ")
                #expect(try await board.api.project("Alpha") == alpha)
                #expect(try await board.api.project("xyz") == named)
                // A reference that is one project's key and another's name means the key.
                #expect(try await board.api.project("abc") == alpha)
                #expect(await apiError { _ = try await board.api.project("alpha ") } == APIError(.projectNotFound, "no project 'alpha '"))
                #expect(await apiError { _ = try await board.api.project("ALPHA") } == APIError(.projectNotFound, "no project 'ALPHA'"))
            }
        }

        @Test func unknownProjectsAreReported() async throws {
            try await withBoard { board in
                let notFound = APIError(.projectNotFound, "no project 'NOPE'")
                #expect(await apiError { _ = try await board.api.project("NOPE") } == notFound)
                #expect(await apiError { try await board.add("a", in: "NOPE") } == notFound)
                #expect(await apiError { _ = try await board.issues(project: "NOPE") } == notFound)
                #expect(await apiError { _ = try await board.api.deleteProject("NOPE") } == notFound)
                #expect(await apiError { _ = try await board.api.updateProject("NOPE", ProjectChanges(name: "x")) } == notFound)
                #expect(await apiError { _ = try await board.api.states(of: "NOPE") } == notFound)
            }
        }

        @Test func projectsAreRenamedAndRedescribed() async throws {
            try await withBoard { board in
                let created = try await board.createProject(name: "Maestro", key: "MAE")
                _ = try await board.createProject(name: "Ops", key: "OPS")
                let renamed = try await board.api.updateProject("mae", ProjectChanges(name: " Maestro Core ", description: "the core"))
                #expect(renamed.key == "MAE")
                #expect(renamed.name == "Maestro Core")
                #expect(renamed.description == "the core")
                #expect(renamed.createdAt == created.createdAt)
                // Read back (the returned view's updated_at keeps sub-millisecond precision the store drops).
                let read = try await board.api.project("Maestro Core")
                #expect(read.key == "MAE" && read.name == "Maestro Core" && read.description == "the core")
                let change = try #require(try await board.changes().last)
                #expect(ChangeRow(change) == ChangeRow(.projectUpdated, "MAE"))
                #expect(change.details == ["fields": "name description"])

                // Refused: a name another project has, a blank name, nothing to change.
                #expect(
                    await apiError { _ = try await board.api.updateProject("MAE", ProjectChanges(name: "Ops")) }
                        == APIError(.duplicateProject, "a project named 'Ops' already exists"))
                #expect(
                    await apiError { _ = try await board.api.updateProject("MAE", ProjectChanges(name: "  ")) }
                        == APIError(.invalidValue, "a project needs a name"))
                #expect(
                    await apiError { _ = try await board.api.updateProject("MAE", ProjectChanges()) }
                        == APIError(.invalidValue, "nothing to change: give a new name or description"))
                // The same values again change nothing and append no change row.
                let before = try await board.lastSeq()
                #expect(try await board.api.updateProject("MAE", ProjectChanges(name: "Maestro Core")) == read)
                #expect(try await board.lastSeq() == before)
            }
        }

        @Test func deletingAProjectDeletesItsIssuesAndKeepsTheirLog() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.project(key: "OPS")
                try await board.add("a", state: "backlog")
                try await board.add("b", in: "OPS")
                let deleted = try await board.api.deleteProject("mae")
                #expect(deleted.key == "MAE")
                #expect(deleted.issueCount == 1)
                #expect(try await board.issues().map(\.identifier) == ["OPS-1"])
                #expect(try await board.log() == [LogRow("MAE-1", "tracker_updated", "queued", "released")])
                let change = try #require(try await board.changes().last)
                #expect(ChangeRow(change) == ChangeRow(.projectDeleted, "MAE"))
                #expect(change.details == ["issues": "1", "dependents": ""])
                // A project created again under the same key starts counting afresh.
                try await board.project(key: "MAE")
                #expect(try await board.add("c").identifier == "MAE-1")
                #expect(try await board.detail("MAE-1").transitions.isEmpty)
            }
        }
    }
}
