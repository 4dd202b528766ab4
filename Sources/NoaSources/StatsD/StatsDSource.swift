import Logging
import NoaCodecs
import NoaComponents
import NoaCore
import NoaPipeline

/// The `statsd` source as it runs: its listeners and the parse-and-aggregate pipeline they feed. The metrics sinks
/// serve the aggregator's series as the source's data, and its counters and the listeners' with the agent's own.
/// DogStatsD events and service checks go to the log sinks wired to the source (its `logs` outlet).
final class StatsDSource: Sendable {
    let id: String
    private let pipeline: StatsDPipeline
    private let listeners: [any StatsDListener]

    /// Starts every listener; if one can't be opened, those already started are stopped.
    init(id: String, config: StatsDSourceConfig, aggregator: StatsDAggregator, logs: Fanout<LogRecord>, logger: Logger) throws {
        self.id = id
        // The coarse clock: TTLs need no better than milliseconds.
        let pipeline = StatsDPipeline(
            id: id, aggregator: aggregator, unitLabel: config.originUnitLabel,
            units: config.originUnitLabel == nil ? nil : ProcessUnitResolver(now: { MonotonicClock.coarseSeconds() }))
        pipeline.setLogOutlet(logs.isWired ? logs : nil)
        self.pipeline = pipeline
        var listenerOptions = StatsDListenerOptions()
        listenerOptions.receiveBufferBytes = config.receiveBufferBytes
        listenerOptions.batchWait = config.batchWait
        var listeners: [any StatsDListener] = []
        for address in config.listen {
            let listener = StatsDListeners.make(id: id, address: address, ingest: pipeline, options: listenerOptions)
            do {
                try listener.start()
            } catch {
                for started in listeners { started.stop() }
                throw ComponentStartError.cannotListen(on: address, error)
            }
            logger.info("The statsd source is listening.", metadata: ["address": "\(address)"])
            listeners.append(listener)
        }
        self.listeners = listeners
    }

    func stop() {
        for listener in listeners { listener.stop() }
    }

    /// The aggregated series.
    var data: [any MetricProducer] { [pipeline.aggregator] }

    /// The aggregator's and the listeners' counters.
    var selfMetrics: [any MetricProducer] { [pipeline.selfMetrics] + listeners.map(\.selfMetrics) }
}
