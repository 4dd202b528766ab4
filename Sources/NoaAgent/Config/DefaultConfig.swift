/// The built-in configuration `noa-agent run` uses when no `--config` is given and no file exists at the default
/// path: every host collector and StatsD received on loopback UDP 8125, served on `:9464/metrics`; the system
/// journal, from its end on the first start, into NDJSON files under `<data_dir>/logs`.
public enum DefaultConfig {
    public static let path = "/etc/noa-agent/agent.yaml"

    public static let yaml = """
        # noa-agent built-in default configuration.
        data_dir: /var/lib/noa-agent
        sources:
          host:
            type: host_metrics
            root: /
          statsd:
            type: statsd
            listen: [udp://127.0.0.1:8125]
          journal:
            type: journald
            start_at: tail
        sinks:
          prom:
            type: prometheus
            listen: 0.0.0.0:9464
            inputs: [host, statsd]
          logs:
            type: file
            inputs: [journal, statsd]

        """
}
