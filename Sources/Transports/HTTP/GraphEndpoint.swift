import Foundation
import HTTPTypes
import Hummingbird
import Runtime
import StateMachine

/// `GET /api/v1/graph?format=json|mermaid|dot|svg&view=overview|full`: the lifecycle machine in
/// force, with the live number of issues in each state (a `counts` key in JSON, badges in SVG).
struct GraphEndpoint {
    let api: RuntimeAPI

    func respond(_ request: Request) async throws -> Response {
        let format = try request.queryChoice("format", ["json", "mermaid", "dot", "svg"]) ?? "json"
        let view: GraphView = try request.queryChoice("view", ["overview", "full"]) == "full" ? .full : .overview
        let machine = await api.currentRules().machine
        let counts = try await api.boardOverview().byLifecycleState
        switch format {
        case "svg":
            let byState = Dictionary(uniqueKeysWithValues: counts.compactMap { key, value in LifecycleState(rawValue: key).map { ($0, value) } })
            return JSONBody.text(machine.renderSVG(view: view, counts: byState), contentType: "image/svg+xml")
        case "mermaid": return JSONBody.text(machine.render(.mermaid, view: view), contentType: "text/plain; charset=utf-8")
        case "dot": return JSONBody.text(machine.render(.dot, view: view), contentType: "text/vnd.graphviz; charset=utf-8")
        default:
            var graph = try JSONDecoder().decode(JSONValue.self, from: Data(machine.render(.json, view: view).utf8))
            if case .object(var members) = graph {
                members["counts"] = .object(counts.mapValues { .int($0) })
                graph = .object(members)
            }
            return JSONBody.text(graph.compactText, contentType: "application/json; charset=utf-8")
        }
    }
}
