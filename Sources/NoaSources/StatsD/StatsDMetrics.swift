import NoaCodecs
import NoaCore

/// The statsd source's own metrics (`noa_statsd_*`), declared on a `SelfMetrics` registry: these initialisers are
/// the only place their names and help texts are written. The aggregated series themselves are data, not
/// self-metrics: the aggregator's `gather()` serves them.
///
/// The aggregator's: what it counts without its lock are counters it adds to; what it counts under its lock
/// (samples by type, drops, series) is read under the lock at gather time.
struct StatsDAggregatorMetrics {
    /// By `StatsDParseError.allCases` position.
    let parseErrors: [Counter]
    let events, logsForwarded, logsDropped, serviceChecks: Counter

    init(
        _ registry: SelfMetrics, samples: @escaping @Sendable (StatsDMetricType) -> Int,
        dropped: @escaping @Sendable (StatsDDropReason) -> Int, expired: @escaping @Sendable () -> Int,
        series: @escaping @Sendable () -> Int
    ) {
        for type in StatsDMetricType.allCases {
            registry.counter(
                "noa_statsd_samples_total", "StatsD samples received, by type.", labels: [Label("type", type.name)],
                read: { Double(samples(type)) })
        }
        let parseErrors = registry.counters(
            "noa_statsd_parse_errors_total", "StatsD lines refused by the parser, by reason.", labels: ["reason"],
            declaring: StatsDParseError.allCases.map { [$0.rawValue] })
        self.parseErrors = StatsDParseError.allCases.map { parseErrors.child([$0.rawValue]) }
        for reason in StatsDDropReason.allCases {
            registry.counter(
                "noa_statsd_dropped_total", "StatsD samples not aggregated, by reason.",
                labels: [Label("reason", reason.rawValue)], read: { Double(dropped(reason)) })
        }
        registry.counter("noa_statsd_series_expired_total", "StatsD series removed after their TTL.", read: {
            Double(expired())
        })
        registry.gauge("noa_statsd_series", "StatsD series held.", read: { Double(series()) })
        events = registry.counter("noa_statsd_events_total", "DogStatsD events received.")
        let logRecords = registry.counters(
            "noa_statsd_log_records_total", "Events and service checks sent to the log sinks, by outcome.",
            labels: ["outcome"], declaring: [["forwarded"], ["dropped_queue_full"]])
        logsForwarded = logRecords.child(["forwarded"])
        logsDropped = logRecords.child(["dropped_queue_full"])
        serviceChecks = registry.counter("noa_statsd_service_checks_total", "DogStatsD service checks received.")
    }

    func parseError(_ reason: StatsDParseError) {
        parseErrors[StatsDParseError.allCases.firstIndex(of: reason)!].add()
    }
}

/// A UDP or Unix datagram listener's, labelled with its `transport`.
struct StatsDDatagramMetrics {
    let datagrams, receivedBytes, truncated, receiveErrors: Counter
    private let labels: [Label]

    init(_ registry: SelfMetrics, transport: String) {
        labels = [Label("transport", transport)]
        datagrams = registry.counter("noa_statsd_datagrams_total", "StatsD datagrams received.", labels: labels)
        receivedBytes = StatsDTCPMetrics.receivedBytes(registry, labels)
        truncated = registry.counter(
            "noa_statsd_truncated_total", "StatsD datagrams dropped because they exceeded the receive buffer.",
            labels: labels)
        receiveErrors = registry.counter(
            "noa_statsd_receive_errors_total", "StatsD socket receive errors.", labels: labels)
    }

    /// The socket's families, read from the listener at gather time, so declared once the listener exists (after
    /// the counters, as they are exposed). `receiveBuffer`: the granted SO_RCVBUF (0 before start);
    /// `kernelDrops`: the kernel's drop count for a UDP socket (nil for a Unix one, which has none).
    func declareSocket(
        _ registry: SelfMetrics, receiveBuffer: @escaping @Sendable () -> Double, kernelDrops: (@Sendable () -> Double)?
    ) {
        registry.gauge(
            "noa_statsd_receive_buffer_bytes", "Receive buffer granted by the kernel (SO_RCVBUF).", labels: labels,
            read: receiveBuffer)
        if let kernelDrops {
            registry.counter(
                "noa_statsd_kernel_drops_total",
                "StatsD datagrams the kernel dropped because the socket receive buffer was full.", read: kernelDrops)
        }
    }
}

/// A TCP listener's, labelled `transport="tcp"`.
struct StatsDTCPMetrics {
    let receivedBytes, chunks, connections, rejectedConnections, connectionErrors, overlongLines: Counter
    let openConnections: Gauge

    init(_ registry: SelfMetrics) {
        let labels = [Label("transport", "tcp")]
        receivedBytes = Self.receivedBytes(registry, labels)
        chunks = registry.counter(
            "noa_statsd_tcp_chunks_total", "Chunks of complete StatsD lines read from TCP connections.", labels: labels)
        connections = registry.counter(
            "noa_statsd_connections_total", "StatsD TCP connections accepted.", labels: labels)
        openConnections = registry.gauge("noa_statsd_open_connections", "StatsD TCP connections open now.", labels: labels)
        rejectedConnections = registry.counter(
            "noa_statsd_rejected_connections_total", "StatsD TCP connections closed at once (limit reached).",
            labels: labels)
        connectionErrors = registry.counter(
            "noa_statsd_connection_errors_total", "StatsD TCP accept and read errors.", labels: labels)
        overlongLines = registry.counter(
            "noa_statsd_overlong_lines_total", "StatsD TCP lines skipped for exceeding the maximum length.",
            labels: labels)
    }

    /// Every listener's, of every transport.
    static func receivedBytes(_ registry: SelfMetrics, _ labels: [Label]) -> Counter {
        registry.counter("noa_statsd_received_bytes_total", "StatsD payload bytes received.", labels: labels)
    }
}

extension StatsDMetricType {
    /// The `type` label of `noa_statsd_samples_total`.
    var name: String {
        switch self {
        case .counter: "counter"
        case .gauge: "gauge"
        case .timer: "timer"
        case .histogram: "histogram"
        case .distribution: "distribution"
        case .set: "set"
        }
    }
}
