import Foundation
import Hummingbird
import Metrics
public import Prometheus
import Runtime
import StateMachine
import Synchronization

/// maestro's Prometheus metrics: a registry, the swift-metrics factory that writes into it, and the
/// counters that follow the transition log.
///
/// | metric | kind | labels |
/// | --- | --- | --- |
/// | `maestro_transitions_total` | counter | `event`, `to` |
/// | `maestro_dispatches_total` | counter | |
/// | `maestro_retries_total` | counter | |
/// | `maestro_failures_total` | counter | `event`, `reason` |
/// | `maestro_running_sessions`, `maestro_retrying_issues`, `maestro_blocked_issues` | gauge | |
/// | `maestro_codex_tokens` | gauge | `kind` (`input`, `output`, `total`) |
/// | `maestro_tick_duration_seconds` | histogram | |
/// | `maestro_http_requests_total`, `maestro_http_request_duration_seconds` | counter, histogram | `route`, `method`, `status` |
public final class MaestroMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    private let reasons = Mutex<Set<String>>([])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        self.factory = factory
    }

    /// Counts the transitions committed after the current end of the log, as they commit.
    func follow(_ api: RuntimeAPI) async throws {
        var cursor = try await api.lastSeq()
        let changes = api.store.changes
        while !Task.isCancelled {
            let generation = changes.generation
            let page = try await api.transitions(after: cursor, limit: 500)
            for transition in page { count(transition) }
            cursor = page.last?.seq ?? cursor
            if page.count < 500 { await changes.wait(after: generation) }
        }
    }

    func count(_ transition: TransitionView) {
        registry.makeCounter(name: "maestro_transitions_total", labels: [("event", transition.event.rawValue), ("to", transition.to.rawValue)])
            .increment()
        if transition.event == .dispatch { registry.makeCounter(name: "maestro_dispatches_total").increment() }
        if transition.to == .retrying, transition.event != .runEnded { registry.makeCounter(name: "maestro_retries_total").increment() }
        if transition.event == .runFailed || transition.event == .workspaceFailed {
            registry.makeCounter(
                name: "maestro_failures_total", labels: [("event", transition.event.rawValue), ("reason", reason(transition.details["error"]))]
            ).increment()
        }
    }

    /// A failure's reason as a label: the words before the first colon (`stalled`, `turn timeout`,
    /// `app-server exited (code 2)`), at most 20 distinct ones; the rest count as `other`.
    private func reason(_ error: String?) -> String {
        guard let error else { return "unknown" }
        let head = error.split(separator: ":", maxSplits: 1).first.map(String.init) ?? error
        let label = String(head.lowercased().unicodeScalars.filter { $0.isASCII && $0.properties.isAlphabetic || $0 == " " }.prefix(40))
            .trimmingCharacters(in: .whitespaces)
        return reasons.withLock { known in
            if known.contains(label) { return label }
            guard known.count < 20, !label.isEmpty else { return "other" }
            known.insert(label)
            return label
        }
    }

    /// The text exposition, with the live gauges read now.
    func render(_ api: RuntimeAPI) async -> String {
        if let snapshot = try? await api.snapshot() {
            registry.makeGauge(name: "maestro_running_sessions").set(Double(snapshot.counts.running))
            registry.makeGauge(name: "maestro_retrying_issues").set(Double(snapshot.counts.retrying))
            registry.makeGauge(name: "maestro_blocked_issues").set(Double(snapshot.counts.blocked))
            let totals = snapshot.codexTotals
            for (kind, value) in [("input", totals.inputTokens), ("output", totals.outputTokens), ("total", totals.totalTokens)] {
                registry.makeGauge(name: "maestro_codex_tokens", labels: [("kind", kind)]).set(Double(value))
            }
        }
        return registry.emitToString()
    }
}

/// `/healthz`, `/readyz` and `/metrics`.
struct ObservabilityRoutes {
    let api: RuntimeAPI
    let metrics: MaestroMetrics
    let gate: ShutdownGate

    var routes: [APIRoute] {
        [
            APIRoute(.get, "/healthz") { _, _ in JSONBody.response(#"{"status":"ok"}"#) },
            APIRoute(.get, "/readyz") { _, _ in
                guard !gate.isClosed else { throw HTTPFailure(.serviceUnavailable, "shutting_down", "the daemon is shutting down") }
                _ = try await api.snapshot()
                return JSONBody.response(#"{"status":"ready"}"#)
            },
            APIRoute(.get, "/metrics") { _, _ in
                JSONBody.text(await metrics.render(api), contentType: "text/plain; version=0.0.4; charset=utf-8")
            },
        ]
    }
}
