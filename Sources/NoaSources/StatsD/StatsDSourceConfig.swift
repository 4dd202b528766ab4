import NoaComponents
import NoaCore
import NoaProcfs

/// `type: statsd`: StatsD and DogStatsD pushed over UDP, TCP and Unix datagram sockets, aggregated into Prometheus
/// series (statsd_exporter semantics and mapping files); DogStatsD events and service checks become log records.
///
/// ```yaml
/// sources:
///   statsd:
///     type: statsd
///     listen: [udp://127.0.0.1:8125, unixgram:///run/noa-agent/statsd.sock]
///     mapping_file: /etc/noa-agent/statsd-mapping.yml   # statsd_exporter's format
///     max_series: 100000
/// ```
public struct StatsDSourceConfig: SourceConfiguration {
    public static let typeName = "statsd"
    public static let emits: Set<SignalKind> = [.metrics, .logs]
    public static let keys = [
        "listen", "mapping_file", "receive_buffer", "batch_wait", "max_series", "max_series_per_metric",
        "origin_unit_label",
    ]

    public var listen: [StatsDListenAddress]
    /// The mapping file's path and text: the text is part of the config, so a reload picks up an edited file.
    public var mappingFile: String?
    public var mappingText: String?
    /// The UDP/Unix receive buffer to ask the kernel for.
    public var receiveBufferBytes: Int
    /// How long a datagram listener waits after emptying its socket before reading again (see
    /// `StatsDListenerOptions.batchWait`); zero reads as soon as anything arrives.
    public var batchWait: Duration
    public var maxSeries: Int
    public var maxSeriesPerMetric: Int
    /// Label carrying the sender's systemd unit on the Unix datagram socket (off when nil).
    public var originUnitLabel: String?

    public init(
        listen: [StatsDListenAddress] = [.udp(host: "127.0.0.1", port: 8125)], mappingFile: String? = nil,
        mappingText: String? = nil, receiveBufferBytes: Int = 32 << 20, batchWait: Duration = .milliseconds(10),
        maxSeries: Int = 100_000,
        maxSeriesPerMetric: Int = 10_000, originUnitLabel: String? = nil
    ) {
        self.listen = listen
        self.mappingFile = mappingFile
        self.mappingText = mappingText
        self.receiveBufferBytes = receiveBufferBytes
        self.batchWait = batchWait
        self.maxSeries = maxSeries
        self.maxSeriesPerMetric = maxSeriesPerMetric
        self.originUnitLabel = originUnitLabel
    }

    public static func read(_ map: ConfigMap) -> StatsDSourceConfig? {
        var config = StatsDSourceConfig()
        if let items = map.items("listen") {
            var addresses: [StatsDListenAddress] = []
            for item in items {
                do {
                    addresses.append(try StatsDListenAddress.parse(item.value))
                } catch {
                    map.reader.error(item.node, "\(map.path("listen")): \(error)")
                }
            }
            if items.isEmpty { map.error("listen", "\(map.path("listen")) is empty: give at least one address") }
            config.listen = addresses
        }
        if let file = map.string("mapping_file") {
            config.mappingFile = file
            do {
                let text = try FileReader.readString(file, sizeHint: 16384)
                config.mappingText = text
                // Problems inside the mapping file are reported at their own file:line:column.
                if case .failure(let errors) = StatsDMapper.parse(yaml: text, file: file) {
                    for issue in errors.issues { map.reader.record(issue) }
                }
            } catch {
                map.error("mapping_file", "\(map.path("mapping_file")): cannot read \(error)")
            }
        }
        if let size = map.size("receive_buffer") { config.receiveBufferBytes = size }
        if let wait = map.duration("batch_wait", positive: false) {
            if wait <= .milliseconds(100) { config.batchWait = wait } else {
                map.error("batch_wait", "\(map.path("batch_wait")) must be at most 100ms: the socket holds what arrives meanwhile")
            }
        }
        for (key, assign) in [("max_series", \StatsDSourceConfig.maxSeries),
                              ("max_series_per_metric", \StatsDSourceConfig.maxSeriesPerMetric)] {
            if let text = map.string(key) {
                if let value = Int(text), value > 0 {
                    config[keyPath: assign] = value
                } else {
                    map.error(key, "\(map.path(key)) must be a positive whole number, not '\(text)'")
                }
            }
        }
        if let label = map.string("origin_unit_label") {
            let valid = label.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } ?? false
                && label.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if valid { config.originUnitLabel = label } else {
                map.error("origin_unit_label", "\(map.path("origin_unit_label")): '\(label)' is not a valid Prometheus label name")
            }
        }
        return config
    }

    public var receiving: [String] { listen.map { "\($0)" } }

    /// What shapes the aggregated series: when a reload keeps these, the rebuilt source keeps its series.
    struct AggregationSettings: Equatable, Sendable {
        var mappingText: String?
        var maxSeries: Int
        var maxSeriesPerMetric: Int
    }

    public func start(_ context: SourceContext) async throws -> RunningSource {
        let settings = AggregationSettings(mappingText: mappingText, maxSeries: maxSeries, maxSeriesPerMetric: maxSeriesPerMetric)
        var mapper: StatsDMapper?
        if let mappingText {
            switch StatsDMapper.parse(yaml: mappingText, file: mappingFile ?? "<mapping>") {
            case .success(let parsed): mapper = parsed
            case .failure(let errors): throw ComponentStartError(errors.description)
            }
        }
        let aggregator = context.services.retained.value(for: context.id, "aggregator", settings: settings) {
            var options = StatsDAggregatorOptions()
            options.maxSeries = maxSeries
            options.maxSeriesPerMetric = maxSeriesPerMetric
            // The coarse clock: the aggregator reads it on every sample, and TTLs need no better than milliseconds.
            return StatsDAggregator(id: context.id, mapper: mapper, options: options, now: { MonotonicClock.coarseSeconds() })
        }
        let source = try StatsDSource(id: context.id, config: self, aggregator: aggregator, logs: context.logs, logger: context.logger)
        return RunningSource(
            metrics: source.data, selfMetrics: source.selfMetrics, receiving: receiving, stop: { source.stop() })
    }
}
