import Foundation
@testable import NoaAgent
import NoaComponents
import NoaHTTP
import NoaSinks
import NoaSources
import Testing

@Suite struct ConfigLoaderTests {
    let loader = ConfigLoader(environment: ["PORT": "9999", "EMPTY": ""])

    func issues(_ yaml: String) -> [String] { NoaAgentTests.issues(yaml, loader: loader) }

    @Test func issueExampleLoads() throws {
        let yaml = """
            data_dir: /var/lib/noa-agent
            sources:
              host:
                type: host_metrics
                root: /
                collectors: [loadavg]
            sinks:
              prom:
                type: prometheus
                listen: 0.0.0.0:9464
                inputs: [host]
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        #expect(config.dataDir == "/var/lib/noa-agent")
        #expect(config.sources == [NamedSource(id: "host", config: HostMetricsConfig(root: "/", collectors: ["loadavg"]))])
        #expect(config.sinks == [NamedSink(id: "prom", config:
            PrometheusSinkConfig(listen: ListenAddress(host: "0.0.0.0", port: 9464), inputs: ["host"]))])
        #expect(config.sinks != [NamedSink(id: "prom", config:
            PrometheusSinkConfig(listen: ListenAddress(host: "0.0.0.0", port: 9465), inputs: ["host"]))])
    }

    @Test func builtInDefaultIsValid() throws {
        let config = try ConfigSource.builtIn.load(with: loader).get()
        #expect(config.sources.map(\.id) == ["host", "units", "statsd", "journal", "otlp", "zipkin"])
        #expect(try config.source("units", as: CgroupsConfig.self) == CgroupsConfig(root: "/"))
        #expect(try config.sink("prom", as: PrometheusSinkConfig.self).inputs.contains("units"))
        #expect(try config.source("journal", as: JournaldSourceConfig.self) == JournaldSourceConfig(startAt: .tail))
        #expect(config.sinks.map(\.id) == ["prom", "logs"])
        #expect(config.sinks.last?.config.inputs == ["journal", "statsd", "otlp", "zipkin"])
        #expect(try config.sink("prom", as: PrometheusSinkConfig.self).listen == ListenAddress(host: "0.0.0.0", port: 9464))
    }

    @Test func everyProblemIsReportedWithItsPosition() {
        let yaml = """
            sources:
              host:
                type: host_metrics
                colectors: [cpu]
                statfs_timeout: soon
              bad name:
                type: host_metrics
              other:
                type: journald_nope
            sinks:
              prom:
                type: prometheus
                listen: localhost
                inputs: [host, missing]
            """
        #expect(issues(yaml) == [
            "agent.yaml:4:5: unknown key 'sources.host.colectors' (did you mean 'collectors'?)",
            "agent.yaml:5:21: sources.host.statfs_timeout: 'soon' is not a duration (for example 500ms, 15s, 5m, 1h)",
            "agent.yaml:6:3: source name 'bad name' may only have letters, digits, '_' and '-'",
            "agent.yaml:9:11: sources.other.type: unknown type 'journald_nope' (one of: \(ComponentRegistry.builtIn.sources.map { $0.typeName }.joined(separator: ", ")))",
            "agent.yaml:13:13: sinks.prom.listen: 'localhost' is not host:port (for example 127.0.0.1:9464)",
            "agent.yaml:14:20: sinks.prom.inputs: no source named 'missing' (sources: host)",
        ])
    }

    @Test func unknownCollectorAndBadRegex() {
        let yaml = """
            sources:
              host:
                type: host_metrics
                collectors: [loadavg, bogus]
                filesystem_fs_types_exclude: "^(ext4"
            sinks:
              prom: {type: prometheus, inputs: [host]}
            """
        let found = issues(yaml)
        #expect(found.count == 2)
        #expect(found[0].hasPrefix("agent.yaml:4:27: sources.host.collectors: unknown collector 'bogus'"))
        #expect(found[1].hasPrefix("agent.yaml:5:34: sources.host.filesystem_fs_types_exclude"))
    }

    @Test func cgroupsPatternsAndDepthAreChecked() throws {
        let yaml = """
            sources:
              units:
                type: cgroups
                include: ["/system.slice/*", "system.slice", "/a**"]
                exclude: ["/x//y"]
                max_depth: 99
            sinks:
              prom: {type: prometheus, inputs: [units]}
            """
        let found = issues(yaml)
        #expect(found.count == 4, "\(found)")
        #expect(found.first?.hasPrefix("agent.yaml:4:34: sources.units.include: pattern 'system.slice' must start with /") == true, "\(found)")
        #expect(found.contains { $0.contains("pattern '/a**' uses ** inside a component") })
        #expect(found.contains { $0.contains("sources.units.exclude: pattern '/x//y' has an empty path component") })
        #expect(found.contains { $0.contains("sources.units.max_depth must be a whole number from 0 to 64, not '99'") })
        let good = try loader.load(text: """
            sources:
              units: {type: cgroups, root: /host, include: ["/docker/*"], max_depth: 2}
            sinks:
              prom: {type: prometheus, inputs: [units]}
            """, file: "agent.yaml").get()
        let units = try good.source("units", as: CgroupsConfig.self)
        #expect(units.root == "/host" && units.selection.include.map(\.pattern) == ["/docker/*"])
        #expect(units.selection.maxDepth == 2)
    }

    @Test func environmentSubstitution() throws {
        let yaml = """
            sources:
              host: {type: host_metrics}
            sinks:
              prom:
                type: prometheus
                listen: 127.0.0.1:${PORT}
                path: ${EMPTY:-/metrics}
                inputs: [host]
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        let prom = try config.sink("prom", as: PrometheusSinkConfig.self)
        #expect(prom.listen.port == 9999)
        #expect(prom.path == "/metrics")
        #expect(issues("data_dir: ${NOPE}\nsinks: {}\n").first
            == "agent.yaml:1:11: environment variable NOPE is not set (use ${NOPE:-default} for a default)")
    }

    @Test func yamlSyntaxErrorIsLocated() {
        let found = issues("sources:\n  host: [unclosed\n")
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("agent.yaml:"))
        #expect(found[0].contains("YAML:"))
    }

    @Test func yamlErrorsKeepTheirMessageAndPosition() {
        #expect(issues("sources:\n  host: [unclosed\n")
            == ["agent.yaml:2:9: YAML: unclosed flow sequence: the '[' here is never closed"])
        #expect(issues("sources:\n  host: &h {type: host_metrics}\n")
            == ["agent.yaml:2:9: YAML: anchors, aliases and tags are not supported"])
        #expect(issues("sources:\n\thost: {type: host_metrics}\n")
            == ["agent.yaml:2:1: YAML: tabs are not allowed for indentation"])
    }

    @Test func duplicateKeysAndPortsAreErrors() {
        let yaml = """
            sources:
              host: {type: host_metrics}
              host: {type: host_metrics}
            sinks:
              a: {type: prometheus, listen: "127.0.0.1:9464", inputs: [host]}
              b: {type: prometheus, listen: ":9464", inputs: [host]}
            """
        let found = issues(yaml)
        // Reported at the second 'host', the one to remove or rename.
        #expect(found == ["agent.yaml:3:3: duplicate key 'host' in this mapping"])
        let ports = issues("""
            sources:
              host: {type: host_metrics}
            sinks:
              a: {type: prometheus, listen: "127.0.0.1:9464", inputs: [host]}
              b: {type: prometheus, listen: ":9464", inputs: [host]}
            """)
        #expect(ports == ["agent.yaml:5:33: sinks.b.listen: port 9464 is already used by sinks.a"])
    }

    @Test(arguments: [
        ("15s", Duration.seconds(15)), ("250ms", .milliseconds(250)), ("1m30s", .seconds(90)),
        ("2h", .seconds(7200)), ("0", .zero),
    ])
    func durations(text: String, expected: Duration) throws {
        #expect(try ConfigDuration.parse(text).get() == expected)
    }

    @Test(arguments: ["", "5", "ms", "5x", "1.5.5s"])
    func badDurations(text: String) {
        #expect(throws: ConfigValueError.self) { try ConfigDuration.parse(text).get() }
    }

    @Test(arguments: [("5MiB", 5 << 20), ("512", 512), ("10KB", 10_000), ("1GiB", 1 << 30)])
    func sizes(text: String, expected: Int) throws {
        #expect(try ConfigByteSize.parse(text).get() == expected)
    }

    @Test func badSizes() {
        #expect(throws: ConfigValueError.self) { try ConfigByteSize.parse("5 parsecs").get() }
        #expect(throws: ConfigValueError.self) { try ConfigByteSize.parse("99999999999999GiB").get() }
    }

    @Test(arguments: [
        ("127.0.0.1:9464", ListenAddress(host: "127.0.0.1", port: 9464)),
        (":9464", ListenAddress(host: "0.0.0.0", port: 9464)),
        ("[::1]:8125", ListenAddress(host: "::1", port: 8125)),
    ])
    func listenAddresses(text: String, expected: ListenAddress) throws {
        #expect(try ListenAddress.parse(text).get() == expected)
    }
}

@Suite struct StatsDConfigTests {
    let loader = ConfigLoader(environment: [:])

    @Test func issueExampleLoads() throws {
        let yaml = """
            sources:
              statsd:
                type: statsd
                listen: [udp://127.0.0.1:8125, tcp://127.0.0.1:8125, unixgram:///run/noa-agent/statsd.sock]
                receive_buffer: 8MiB
                batch_wait: 5ms
                max_series: 5000
                origin_unit_label: unit
            sinks:
              prom: {type: prometheus, inputs: [statsd]}
            """
        let config = try loader.load(text: yaml, file: "agent.yaml").get()
        let statsd = try config.source("statsd", as: StatsDSourceConfig.self)
        #expect(statsd.listen == [.udp(host: "127.0.0.1", port: 8125), .tcp(host: "127.0.0.1", port: 8125),
                                  .unixgram(path: "/run/noa-agent/statsd.sock")])
        #expect(statsd.receiveBufferBytes == 8 << 20)
        #expect(statsd.batchWait == .milliseconds(5))
        #expect(statsd.maxSeries == 5000)
        #expect(statsd.originUnitLabel == "unit")
    }

    @Test func problemsInTheSourceAndInTheMappingFileAreLocated() throws {
        let mapping = NSTemporaryDirectory() + "noa-mapping-\(UUID().uuidString).yml"
        try "mappings:\n- match: \"a.*\"\n  nmae: x\n".write(toFile: mapping, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: mapping) }
        let yaml = """
            sources:
              statsd:
                type: statsd
                listen: [udp://localhost:8125, carrier-pigeon://x]
                mapping_file: \(mapping)
                max_series: -1
                batch_wait: 1s
            sinks:
              prom: {type: prometheus, inputs: [statsd]}
            """
        let lines = issues(yaml, loader: loader)
        #expect(lines.contains { $0.hasPrefix("agent.yaml:4:14: sources.statsd.listen:") })
        #expect(lines.contains { $0.hasPrefix("agent.yaml:4:36: sources.statsd.listen:") })
        #expect(lines.contains { $0.hasPrefix("agent.yaml:6:17: sources.statsd.max_series must be a positive") })
        #expect(lines.contains { $0.hasPrefix("agent.yaml:7:17: sources.statsd.batch_wait must be at most 100ms") })
        #expect(lines.contains { $0.hasPrefix("\(mapping):3:3:") })
    }
}
