import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
import NoaSources


/// The `statsd` source as the topology runs it: its listeners, the parse-and-aggregate pipeline they feed, and
/// one producer for the Prometheus sink that serves both the aggregated series and the listeners' counters.
final class StatsDSource: MetricProducer {
    let id: String
    private let pipeline: StatsDPipeline
    private let listeners: [any StatsDListener]

    /// Builds the pipeline and starts every listener; if one can't be opened, those already started are stopped.
    init(id: String, config: StatsDSourceConfig, logger: Logger) throws {
        self.id = id
        var mapper: StatsDMapper? = nil
        if let text = config.mappingText {
            switch StatsDMapper.parse(yaml: text, file: config.mappingFile ?? "<mapping>") {
            case .success(let parsed): mapper = parsed
            case .failure(let errors): throw TopologyError.sourceFailed(source: id, reason: errors.description)
            }
        }
        var options = StatsDAggregatorOptions()
        options.maxSeries = config.maxSeries
        options.maxSeriesPerMetric = config.maxSeriesPerMetric
        // The coarse clock: the aggregator reads it on every sample, and TTLs need no better than milliseconds.
        let clock: @Sendable () -> Double = { MonotonicClock.coarseSeconds() }
        let aggregator = StatsDAggregator(id: id, mapper: mapper, options: options, now: clock)
        let pipeline = StatsDPipeline(
            id: id, aggregator: aggregator, unitLabel: config.originUnitLabel,
            units: config.originUnitLabel == nil ? nil : ProcessUnitResolver(now: clock))
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
                throw TopologyError.sourceFailed(source: id, reason: "cannot listen on \(address): \(error)")
            }
            logger.info("The statsd source is listening.", metadata: ["address": "\(address)"])
            listeners.append(listener)
        }
        self.listeners = listeners
    }

    /// Where DogStatsD events and service checks go as log records (nil: nowhere).
    func setLogOutlet(_ outlet: Fanout<LogRecord>?) {
        pipeline.setLogOutlet(outlet)
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
