import Foundation
import Testing

/// The overview leaves guards and effects out but no transition: every (from, to, event) triple of
/// the compiled machine appears in its labels, on an edge or in a group, and nothing else does.
@Suite struct OverviewCoverageTests {
    struct Triple: Hashable, CustomStringConvertible {
        var from, to, event: String
        var description: String { "\(from) -\(event)-> \(to)" }
    }

    static let workflows = GraphDrawingTests.workflows

    static func json(_ workflow: String, view: String) async throws -> [String: Any] {
        let result = try await CLI.run(["graph", workflow, "--view", view, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func machineTriples(_ workflow: String) async throws -> Set<Triple> {
        let full = try await json(workflow, view: "full")
        let transitions = try #require(full["transitions"] as? [[String: Any]])
        return Set(transitions.map { Triple(from: $0["from"] as! String, to: $0["to"] as! String, event: $0["event"] as! String) })
    }

    @Test(arguments: workflows)
    func jsonOverviewShowsEveryTripleOnce(workflow: String) async throws {
        let machine = try await Self.machineTriples(workflow)
        let overview = try await Self.json(workflow, view: "overview")
        var shown: [Triple] = []
        for edge in overview["edges"] as? [[String: Any]] ?? [] {
            for event in edge["events"] as? [String] ?? [] {
                shown.append(Triple(from: edge["from"] as! String, to: edge["to"] as! String, event: event))
            }
        }
        let groups = overview["groups"] as? [[String: Any]] ?? []
        for group in groups {
            for from in group["states"] as? [String] ?? [] {
                for event in group["events"] as? [String] ?? [] {
                    shown.append(Triple(from: from, to: group["to"] as! String, event: event))
                }
            }
        }
        #expect(Set(shown) == machine, "missing \(machine.subtracting(shown)), extra \(Set(shown).subtracting(machine))")
        #expect(shown.count == Set(shown).count, "a triple is shown twice")
        #expect(!groups.isEmpty, "the overview groups the edges that leave many states")
    }

    /// The Mermaid overview carries the same edges and groups as the JSON one.
    @Test(arguments: workflows)
    func mermaidOverviewLabelsMatchTheMachine(workflow: String) async throws {
        let machine = try await Self.machineTriples(workflow)
        let overview = try await Self.json(workflow, view: "overview")
        var groupStates: [String: [String]] = [:]
        for group in overview["groups"] as? [[String: Any]] ?? [] {
            groupStates["group\(group["number"] as! Int)"] = group["states"] as? [String]
        }
        let mermaid = try await CLI.run(["graph", workflow, "--format", "mermaid"]).stdout
        var shown: [Triple] = []
        for line in mermaid.split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).components(separatedBy: " : ")
            let ends = parts[0].components(separatedBy: " --> ")
            guard parts.count == 2, ends.count == 2 else { continue }
            let sources = groupStates[ends[0]] ?? [ends[0]]
            for from in sources {
                for event in parts[1].components(separatedBy: ", ") {
                    shown.append(Triple(from: from, to: ends[1], event: event))
                }
            }
        }
        #expect(Set(shown) == machine, "missing \(machine.subtracting(shown)), extra \(Set(shown).subtracting(machine))")
        #expect(shown.count == Set(shown).count)
    }

    /// States carry a kind and a place: the main path on row 0 in lifecycle order, side states below.
    @Test(arguments: workflows)
    func jsonOverviewPlacesEveryState(workflow: String) async throws {
        let overview = try await Self.json(workflow, view: "overview")
        let states = try #require(overview["states"] as? [[String: Any]])
        let mainPath = try #require(overview["mainPath"] as? [String])
        let main = states.filter { $0["row"] as? Int == 0 }.sorted { ($0["column"] as! Int) < ($1["column"] as! Int) }
        #expect(main.map { $0["name"] as! String } == mainPath)
        #expect(main.map { $0["column"] as! Int } == Array(0..<mainPath.count))
        #expect(mainPath.first == "queued" && mainPath.last == "closed")
        let side = states.filter { $0["row"] as? Int == 1 }.map { $0["name"] as! String }
        #expect(Set(side) == ["retrying", "blocked", "released"])
        for state in states {
            let kind = state["kind"] as? String
            let expected = state["name"] as? String == "closed" ? "terminal" : state["row"] as? Int == 1 ? "side" : "main"
            #expect(kind == expected, "\(state)")
        }
        #expect((overview["legend"] as? [[String: Any]])?.isEmpty == false)
    }
}
