import NoaCore

/// The agent's own metrics, beside its components' (`noa_*` without a `component_id`).
public struct AgentMetrics: Sendable {
    public let registry: SelfMetrics
    /// Config reloads (SIGHUP), by `result`.
    public let reloads: CounterVector
    public let lastReloadSuccessful: Gauge

    public init() {
        let m = SelfMetrics(component: nil)
        registry = m
        reloads = m.counters(
            "noa_config_reloads_total", "Config reloads (SIGHUP), by result.", labels: ["result"],
            declaring: [["success"], ["failure"]])
        lastReloadSuccessful = m.gauge("noa_config_last_reload_successful", "Whether the last config load succeeded.")
        m.gauge(
            "noa_build_info", "The agent's version, as a label.", labels: [Label("version", AgentVersion.current)],
            read: { 1 })
    }
}
