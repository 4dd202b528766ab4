/// The built-in configuration `noa-agent run` uses when no `--config` is given and no file exists at the default
/// path: every host collector served on `:9464/metrics`, like node_exporter's default on `:9100`.
public enum DefaultConfig {
    public static let path = "/etc/noa-agent/agent.yaml"

    public static let yaml = """
        # noa-agent built-in default configuration.
        data_dir: /var/lib/noa-agent
        sources:
          host:
            type: host_metrics
            root: /
        sinks:
          prom:
            type: prometheus
            listen: 0.0.0.0:9464
            inputs: [host]

        """
}
