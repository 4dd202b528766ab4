@testable import NoaAgent
import NoaComponents
import NoaHTTP
import NoaSinks
import NoaSources
import Testing

@Suite struct ConfigLoaderLogSinksTests {
    let loader = ConfigLoader(environment: [:])

    func issues(_ yaml: String) -> [String] { NoaAgentTests.issues(yaml, loader: loader) }

    @Test func everyKeyLoads() throws {
        let yaml = """
            data_dir: /srv/noa
            sources:
              apps:
                type: http_logs
                listen: 127.0.0.1:9999
                path: /logs
                max_body: 1MiB
                max_decoded_body: 8MiB
                queue_capacity: 16
            sinks:
              ls:
                type: logstash
                inputs: [apps]
                hosts: [logstash-a, "10.0.0.2:5045"]
                mode: json_lines
                compression_level: 0
                window_size: 500
                timeout: 10s
              files:
                type: file
                inputs: [apps]
                prefix: journal
                rotate: daily
                max_size: 100MiB
                retention: { max_files: 7, max_age: 14d }
                fsync: none
              out:
                type: console
                inputs: apps
                format: json
                color: never
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        #expect(try config.source("apps", as: HTTPLogsSourceConfig.self) == HTTPLogsSourceConfig(
            listen: ListenAddress(host: "127.0.0.1", port: 9999), path: "/logs", maxBodyBytes: 1 << 20,
            maxDecodedBytes: 8 << 20, queueCapacity: 16))
        #expect(try config.sink("ls", as: LogstashSinkConfig.self) == LogstashSinkConfig(
            inputs: ["apps"], hosts: [LogstashHost(host: "logstash-a"), LogstashHost(host: "10.0.0.2", port: 5045)],
            mode: .jsonLines, compressionLevel: 0, windowSize: 500, timeout: .seconds(10)))
        let file = try config.sink("files", as: FileSinkConfig.self)
        #expect(file == FileSinkConfig(
            inputs: ["apps"], prefix: "journal", maxFileBytes: 100 << 20, maxFiles: 7, maxAge: .seconds(14 * 86_400),
            sync: .none))
        #expect(try config.sink("out", as: ConsoleSinkConfig.self) == ConsoleSinkConfig(inputs: ["apps"], format: .json, colour: .never))
        #expect(file.resolvedDirectory(dataDir: config.dataDir) == "/srv/noa/logs")
    }

    @Test func defaults() throws {
        let yaml = """
            sources:
              apps: { type: http_logs }
            sinks:
              ls: { type: logstash, inputs: [apps], hosts: [127.0.0.1] }
              files: { type: file, inputs: [apps] }
              out: { type: console, inputs: [apps] }
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        #expect(try config.source("apps", as: HTTPLogsSourceConfig.self) == HTTPLogsSourceConfig())
        #expect(HTTPLogsSourceConfig().listen == ListenAddress(host: "127.0.0.1", port: 9880))
        #expect(config.sinks == [
            NamedSink(id: "ls", config: LogstashSinkConfig(inputs: ["apps"])),
            NamedSink(id: "files", config: FileSinkConfig(inputs: ["apps"])),
            NamedSink(id: "out", config: ConsoleSinkConfig(inputs: ["apps"])),
        ])
    }

    @Test func problemsAreReportedAtTheirPositions() {
        let found = issues("""
            sources:
              apps:
                type: http_logs
                listen: nowhere
                queue_capacity: 0
              host:
                type: host_metrics
            sinks:
              ls:
                type: logstash
                inputs: [apps]
                hosts: ["a:0"]
                mode: lumberjack
                compression_level: 12
              files:
                type: file
                inputs: [host]
                directory: relative/logs
                rotate: hourly
                retention: { max_files: -1, keep: 3 }
                fsync: always
              out:
                type: console
                format: fancy
            """)
        #expect(found == [
            "agent.yaml:4:13: sources.apps.listen: 'nowhere' is not host:port (for example 127.0.0.1:9464)",
            "agent.yaml:5:21: sources.apps.queue_capacity must be a whole number from 1 to 1048576, not '0'",
            "agent.yaml:12:13: sinks.ls.hosts: 'a:0' is not host or host:port",
            "agent.yaml:13:11: sinks.ls.mode: 'lumberjack' is not one of beats, json_lines",
            "agent.yaml:14:24: sinks.ls.compression_level must be a whole number from 0 to 9, not '12'",
            "agent.yaml:17:14: sinks.files.inputs: source 'host' produces metrics, which this sink does not take (it takes logs and traces)",
            "agent.yaml:18:16: sinks.files.directory must be an absolute path",
            "agent.yaml:19:13: sinks.files.rotate: files rotate 'daily' (add max_size for size rotation), not 'hourly'",
            "agent.yaml:20:29: sinks.files.retention.max_files must be a whole number above 0, not '-1'",
            "agent.yaml:20:33: unknown key 'sinks.files.retention.keep'",
            "agent.yaml:21:12: sinks.files.fsync: 'always' is not one of batch, none",
            "agent.yaml:23:5: sinks.out.inputs is empty: name at least one source",
            "agent.yaml:24:13: sinks.out.format: 'fancy' is not one of human, json",
        ])
    }

    @Test func aLogsSourceCannotFeedAMetricsSink() {
        let found = issues("""
            sources:
              apps: { type: http_logs }
            sinks:
              prom: { type: prometheus, inputs: [apps] }
            """)
        #expect(found.count == 1)
        #expect(found.first?.contains("produces logs, which this sink does not take") == true)
    }
}
