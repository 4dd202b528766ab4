import Logging
import NoaCodecs
import NoaComponents
import NoaCore
import NoaPipeline

/// The `statsd` source as it runs: its listeners, the parse-and-aggregate pipeline they feed, and one producer for
/// the metrics sinks that serves both the aggregated series and the listeners' counters. DogStatsD events and
/// service checks go to the log sinks wired to the source (its `logs` outlet).
final class StatsDSource: MetricProducer {
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

    func gather() -> MetricBatch {
        var batch = pipeline.gather()
        for listener in listeners { batch.append(contentsOf: listener.gather()) }
        return batch
    }
}
