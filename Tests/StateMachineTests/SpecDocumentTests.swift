import Foundation
import StateMachine
import Testing

/// `Specs/state-machine.md` and the compiled machine must not drift apart.
@Suite struct SpecDocumentTests {
    static let document: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("Specs/state-machine.md"), encoding: .utf8)) ?? ""
    }()

    /// The rows of the table under `## heading`, as cells, header and separator dropped.
    static func table(under heading: String) -> [[String]] {
        let lines = document.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "## \(heading)") else { return [] }
        let rows = lines[(start + 1)...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        return rows.dropFirst(2).map { row in
            row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    let machine: CompiledMachine

    init() throws {
        machine = try CompiledMachine.compile(Policies.full)
    }

    private func tokens(_ cell: String, none: String) -> [String] {
        cell == none ? [] : cell.components(separatedBy: cell.contains(" and ") ? " and " : ", ")
    }

    @Test func transitionsTableMatchesTheCompiledMachine() {
        let documented = Self.table(under: "Transitions").map { cells in
            [cells[0], cells[1], tokens(cells[2], none: "—").joined(separator: "&"), cells[3], tokens(cells[4], none: "—").joined(separator: ",")]
        }
        let compiled = machine.transitions.map {
            [
                $0.from.rawValue, $0.event.rawValue, $0.guards.map(\.token).joined(separator: "&"), $0.to.rawValue,
                $0.effects.map(\.token).joined(separator: ","),
            ]
        }
        #expect(!documented.isEmpty)
        #expect(Set(documented.map { $0.joined(separator: "|") }) == Set(compiled.map { $0.joined(separator: "|") }))
        #expect(documented.count == compiled.count)
    }

    @Test func rejectionsTableMatchesTheCompiledMachine() {
        let documented = Self.table(under: "Rejections").map { cells in
            [cells[0], cells[1], cells[2] == "otherwise" ? "" : cells[2].replacingOccurrences(of: " and ", with: "&"), cells[3], cells[4]]
                .joined(separator: "|")
        }
        let compiled = machine.rejections.map {
            [$0.state.rawValue, $0.event.rawValue, $0.guards.map(\.token).joined(separator: "&"), $0.code, $0.message]
                .joined(separator: "|")
        }
        #expect(!documented.isEmpty)
        #expect(documented == compiled)
    }

    @Test func statesAndEventsAreAllDocumented() {
        #expect(Self.table(under: "States").map { $0[0] } == LifecycleState.allCases.map(\.rawValue))
        let events = Self.table(under: "Events").flatMap { $0[0].components(separatedBy: ", ") }
        #expect(Set(events) == Set(LifecycleEvent.allCases.map(\.rawValue)))
    }

    /// Every (state, event) pair, in every context the runtime can supply, is either a documented
    /// transition or a documented rejection.
    @Test func everyStateEventPairIsATransitionOrADocumentedRejection() throws {
        let matrix = Self.table(under: "Matrix")
        let header = LifecycleEvent.allCases.map(\.rawValue)
        let documentedTransitions = Set(machine.transitions)
        let documentedCodes = Set(Self.table(under: "Rejections").map { $0[3] })
        #expect(matrix.count == machine.states.count)
        for row in matrix {
            let state = try #require(LifecycleState(rawValue: row[0]))
            for (index, event) in LifecycleEvent.allCases.enumerated() {
                let cell = row[index + 1]
                #expect(header[index] == event.rawValue)
                for context in machine.possibleContexts(in: state) {
                    switch machine.step(from: state, on: event, context: context) {
                    case .success(let step):
                        #expect(cell == "T", "\(state) \(event): undocumented transition")
                        #expect(documentedTransitions.contains(step.transition))
                    case .failure(let rejection):
                        if cell == "—" {
                            #expect(rejection.code == "not_applicable", "\(state) \(event)")
                        } else if cell == "T" {
                            #expect(documentedCodes.contains(rejection.code), "\(state) \(event): \(rejection.code)")
                        } else {
                            #expect(rejection.code == cell, "\(state) \(event)")
                        }
                    }
                }
            }
        }
    }
}
