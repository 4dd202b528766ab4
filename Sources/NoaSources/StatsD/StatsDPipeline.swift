import NoaCodecs
import NoaCore
import NoaProcfs

/// What the StatsD listeners feed: each payload is parsed and every sample aggregated on the listener's thread,
/// so a datagram costs no queue hop (UDP can only drop while the receiver is busy, and the kernel's receive
/// buffer, not an agent queue, is what absorbs bursts).
///
/// Events and service checks are counted; they become log records once the log pipeline exists.
public final class StatsDPipeline: StatsDIngest, MetricProducer {
    public let id: String
    public let aggregator: StatsDAggregator
    private let parser: StatsDParser
    /// The label that carries the sender's systemd unit (Unix datagram senders only), when configured.
    private let unitLabel: String?
    private let units: ProcessUnitResolver?

    public init(id: String, aggregator: StatsDAggregator, parser: StatsDParser = StatsDParser(),
                unitLabel: String? = nil, units: ProcessUnitResolver? = nil) {
        self.id = id
        self.aggregator = aggregator
        self.parser = parser
        self.unitLabel = unitLabel
        self.units = units
    }

    public func ingest(_ payload: UnsafeRawBufferPointer, origin: StatsDOrigin) {
        var extra: [Label] = []
        if let unitLabel, let pid = origin.pid, let unit = units?.unit(of: pid) {
            extra = [Label(unitLabel, unit)]
        }
        parser.parse(payload) { line in
            switch line {
            case .metric(let sample): aggregator.ingest(sample, extraLabels: extra)
            case .event(let event): aggregator.recordEvent(event)
            case .serviceCheck(let check): aggregator.recordServiceCheck(check)
            case .error(let reason): aggregator.recordParseError(reason)
            }
        }
    }

    public func gather() -> MetricBatch {
        aggregator.gather()
    }
}
