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
                let projects = try await board.projects()
                #expect(projects.map(\.project.key) == ["MAE", "OPS"])
                #expect(projects.map(\.issues) == [3, 2])
                #expect(projects.map(\.project.nextNumber) == [4, 3])
            }
        }

        @Test func deletingAnIssueDoesNotReuseItsNumber() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.add("a")
                let second = try await board.add("b")
                #expect(try await board.deleteIssue("MAE-2").identifier == "MAE-2")
                let third = try await board.add("c")
                #expect(third.identifier == "MAE-3")
                #expect(third.id != second.id)
                #expect(try await board.issues().map(\.identifier) == ["MAE-1", "MAE-3"])
                let missing = await storeError { _ = try await board.detail("MAE-2") }
                #expect(missing == .issueNotFound("MAE-2"))
            }
        }

        @Test func aNewIssueNeverInheritsADeletedIssuesHistory() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let old = try await board.add("a", state: "backlog")
                #expect(try await board.detail("MAE-1").history.count == 1)
                _ = try await board.deleteIssue("MAE-1")
                // The deleted issue had the highest row id; a reused id would inherit its log rows.
                let fresh = try await board.add("b", state: "backlog")
                #expect(fresh.id != old.id)
                #expect(try await board.detail("MAE-2").history.map(\.identifier) == ["MAE-2"])
                #expect(try await board.log().map(\.identifier) == ["MAE-1", "MAE-2"])
            }
        }

        @Test func aRefusedCreateTakesNoNumber() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                let error = await storeError { try await board.add("a", blockedBy: ["MAE-9"]) }
                #expect(error == .issueNotFound("MAE-9"))
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
                #expect(project.nextNumber == 1)
            }
        }

        @Test func explicitKeysAreUppercasedAndNamesTrimmed() async throws {
            try await withBoard { board in
                let project = try await board.createProject(name: "  Maestro  ", key: "mae2", description: "the core")
                #expect(project.key == "MAE2")
                #expect(project.name == "Maestro")
                #expect(project.description == "the core")
                #expect(try await board.project("mae2").id == project.id)
                #expect(try await board.project("Maestro").id == project.id)
                #expect(try await board.add("a", in: "MAE2").identifier == "MAE2-1")
            }
        }

        @Test(arguments: ["1AB", "MAE-X", "ABCDEFGHIJK", "MÄE", "", "A B"])
        func invalidKeysAreRefused(key: String) async throws {
            try await withBoard { board in
                let error = await storeError { _ = try await board.createProject(name: "Maestro", key: key) }
                #expect(
                    error
                        == .invalidValue(
                            "project key '\(key.uppercased())' must be 1-10 ASCII letters or digits, starting with a letter; choose one with --key"))
                #expect(error?.code == "invalid_value")
                let projects = try await board.projects()
                #expect(projects.isEmpty)
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
                let error = await storeError { _ = try await board.createProject(name: "   ", key: "MAE") }
                #expect(error == .invalidValue("a project needs a name"))
            }
        }

        @Test func duplicateProjectsAreRefusedByNameAndByKey() async throws {
            try await withBoard { board in
                _ = try await board.createProject(name: "Maestro", key: "MAE")
                let byKey = await storeError { _ = try await board.createProject(name: "Other", key: "mae") }
                #expect(byKey == .duplicateProject("MAE"))
                #expect(byKey?.code == "duplicate_project")
                #expect(byKey?.description == "a project named or keyed 'MAE' already exists")
                let byName = await storeError { _ = try await board.createProject(name: "Maestro", key: "OTHER") }
                #expect(byName == .duplicateProject("Maestro"))
                // A derived key that collides is a duplicate too.
                _ = try await board.createProject(name: "Conductor")
                let derived = await storeError { _ = try await board.createProject(name: "Conductor2") }
                #expect(derived == .duplicateProject("COND"))
                #expect(try await board.projects().map(\.project.key) == ["COND", "MAE"])
            }
        }

        @Test func projectsAreFoundByKeyInAnyCaseOrByExactName() async throws {
            try await withBoard { board in
                let alpha = try await board.createProject(name: "Alpha", key: "ABC")
                let named = try await board.createProject(name: "abc", key: "XYZ")
                #expect(try await board.project("Alpha").id == alpha.id)
                #expect(try await board.project("xyz").id == named.id)
                // A reference that is one project's key and another's name means the key.
                #expect(try await board.project("abc").id == alpha.id)
                #expect(await storeError { _ = try await board.project("alpha ") } == .projectNotFound("alpha "))
                #expect(await storeError { _ = try await board.project("ALPHA") } == .projectNotFound("ALPHA"))
            }
        }

        @Test func unknownProjectsAreReported() async throws {
            try await withBoard { board in
                #expect(await storeError { _ = try await board.project("NOPE") } == .projectNotFound("NOPE"))
                #expect(await storeError { try await board.add("a", in: "NOPE") } == .projectNotFound("NOPE"))
                #expect(await storeError { _ = try await board.issues(project: "NOPE") } == .projectNotFound("NOPE"))
                #expect(await storeError { _ = try await board.deleteProject("NOPE") } == .projectNotFound("NOPE"))
                #expect(StoreError.projectNotFound("NOPE").description == "no project 'NOPE'")
            }
        }

        @Test func deletingAProjectDeletesItsIssuesAndKeepsTheirLog() async throws {
            try await withBoard { board in
                try await board.project(key: "MAE")
                try await board.project(key: "OPS")
                try await board.add("a", state: "backlog")
                try await board.add("b", in: "OPS")
                let deleted = try await board.deleteProject("mae")
                #expect(deleted.key == "MAE")
                #expect(try await board.issues().map(\.identifier) == ["OPS-1"])
                #expect(try await board.log() == [LogRow("MAE-1", "tracker_updated", "queued", "released")])
                // A project created again under the same key starts counting afresh.
                try await board.project(key: "MAE")
                #expect(try await board.add("c").identifier == "MAE-1")
                #expect(try await board.detail("MAE-1").history.isEmpty)
            }
        }
    }
}
