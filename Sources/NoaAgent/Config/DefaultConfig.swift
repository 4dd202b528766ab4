/// The built-in configuration `noa-agent run` uses when no `--config` is given and no file exists at the default
/// path: every host collector, per-cgroup (systemd unit and container) metrics, and StatsD received on loopback UDP 8125, served on `:9464/metrics`; the system
/// journal, from its end on the first start, into NDJSON files under `<data_dir>/logs`; OTLP/HTTP (`127.0.0.1:4318`)
/// and Zipkin (`127.0.0.1:9411`) received on loopback, their spans written to `<data_dir>/logs/noa-spans.ndjson`
/// (OTLP/JSON lines), OTLP logs with the journal's, and span metrics and OTLP metrics served on `/metrics`.
public enum DefaultConfig {
    public static let path = "/etc/noa-agent/agent.yaml"

    public static let yaml = """
        # noa-agent built-in default configuration.
        data_dir: /var/lib/noa-agent
        sources:
          host:
            type: host_metrics
            root: /
          units:
            type: cgroups
            root: /
          statsd:
            type: statsd
            listen: [udp://127.0.0.1:8125]
          journal:
            type: journald
            start_at: tail
          otlp:
            type: otlp
            listen: 127.0.0.1:4318
          zipkin:
            type: zipkin
            listen: 127.0.0.1:9411
        sinks:
          prom:
            type: prometheus
            listen: 0.0.0.0:9464
            inputs: [host, units, statsd, otlp, zipkin]
          logs:
            type: file
            inputs: [journal, statsd, otlp, zipkin]

        """
}
