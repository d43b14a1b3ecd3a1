import Foundation
import Runtime
import StateMachine

/// A Linear workflow state of one team.
struct LinearState: Sendable, Hashable {
    var id: String
    var name: String
    var type: String
    var position: Double
}

/// A team and its workflow states in board order (states are per team in Linear).
struct LinearTeam: Sendable, Hashable {
    var id: String
    var key: String
    var name: String
    var states: [LinearState]

    init(id: String, key: String, name: String, states: [LinearState]) {
        self.id = id
        self.key = key
        self.name = name
        self.states = states.sorted { ($0.position, $0.name) < ($1.position, $1.name) }
    }

    init?(_ node: JSONValue?) {
        guard let id = node?["id"]?.stringValue, let key = node?["key"]?.stringValue else { return nil }
        let states = (node?["states"]?["nodes"]?.arrayValue ?? []).compactMap { state -> LinearState? in
            guard let id = state["id"]?.stringValue, let name = state["name"]?.stringValue else { return nil }
            return LinearState(id: id, name: name, type: state["type"]?.stringValue ?? "", position: state["position"]?.doubleValue ?? 0)
        }
        self.init(id: id, key: key, name: node?["name"]?.stringValue ?? key, states: states)
    }

    /// The state called `name`, compared trimmed and lowercased (Linear's filters are
    /// case-sensitive, so configured names are mapped to the team's spelling).
    func state(named name: String) -> LinearState? {
        let wanted = normalizedTrackerState(name)
        return states.first { normalizedTrackerState($0.name) == wanted }
    }
}

/// A Linear project as maestro resolved it: its id, slug and teams.
struct LinearProjectInfo: Sendable, Hashable {
    var id: String
    var name: String
    var slug: String
    var url: String?
    var teams: [LinearTeam]

    init?(_ node: JSONValue?) {
        guard let id = node?["id"]?.stringValue, let name = node?["name"]?.stringValue else { return nil }
        self.id = id
        self.name = name
        slug = node?["slugId"]?.stringValue ?? id
        url = node?["url"]?.stringValue
        teams = (node?["teams"]?["nodes"]?.arrayValue ?? []).compactMap { LinearTeam($0) }
    }

    /// Every state name of the project's teams, in board order, each spelling once.
    var stateNames: [String] {
        var names: [String] = []
        for team in teams {
            for state in team.states where !names.contains(state.name) { names.append(state.name) }
        }
        return names
    }

    /// The teams' spellings of `names` (a name several teams share appears once); names no team
    /// has are dropped.
    func canonical(_ names: [String]) -> (found: [String], missing: [String]) {
        var found: [String] = []
        var missing: [String] = []
        for name in names {
            let matches = teams.compactMap { $0.state(named: name)?.name }
            if matches.isEmpty { missing.append(name) }
            for match in matches where !found.contains(match) { found.append(match) }
        }
        return (found, missing)
    }
}
