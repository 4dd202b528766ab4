import NoaHTTP
import Logging
import NIOCore
import NIOPosix
import NoaCore
import NoaPipeline
import NoaSinks

extension LogComponentFactory {
    /// The factory the agent runs with: real sinks and sources, built from their config.
    /// `executable`: the agent's binary, which the journald source runs as its reader child.
    static func live(
        group: any EventLoopGroup, threadPool: NIOThreadPool? = nil, logger: Logger,
        executable: String = "/proc/self/exe"
    ) -> LogComponentFactory {
        LogComponentFactory(
            makeSinkJob: { named, inlet, statistics, dataDir in
                var sinkLogger = logger
                sinkLogger[metadataKey: "component_id"] = "\(named.id)"
                let deadLetter = DeadLetterFile(
                    directory: dataDir + "/dead-letter", sinkID: named.id,
                    logger: RateLimitedLogger(logger: sinkLogger))
                switch named.config {
                case .prometheus:
                    throw TopologyError.sourceFailed(source: named.id, reason: "a prometheus sink takes no logs")
                case .file(let config):
                    let sink = config.makeSink(id: named.id, dataDir: dataDir, logger: sinkLogger)
                    return job(named.id, sink, inlet, statistics, BatchPolicy(maxItems: 2000, maxDelay: .milliseconds(200)),
                               deadLetter: nil, logger: sinkLogger, producers: [sink.counters])
                case .console(let config):
                    let sink = config.makeSink(id: named.id, logger: sinkLogger)
                    return job(named.id, sink, inlet, statistics, BatchPolicy(maxItems: 500, maxDelay: .milliseconds(100)),
                               deadLetter: nil, logger: sinkLogger)
                case .elasticsearch(let config):
                    config.tls.warnIfInsecure(sinkLogger)
                    let (sink, transport) = ElasticsearchSink.make(id: named.id, config: config, group: group, logger: sinkLogger)
                    let runner = SinkRunner(
                        id: named.id, sink: sink, inlet: inlet, batch: config.batch, retry: config.retry,
                        statistics: statistics, itemBytes: { ElasticsearchSink.estimatedBytes($0[$1]) },
                        deadLetter: config.deadLetter ? deadLetter : nil, logger: sinkLogger)
                    return LogSinkJob(
                        run: {
                            await runner.run()
                            transport.shutdown()
                        },
                        producers: [ElasticsearchStatisticsProducer(statistics: sink.statistics)])
                case .logstash(let config):
                    let sink = config.makeSink(id: named.id, agentVersion: AgentVersion.current, logger: sinkLogger)
                    return job(named.id, sink, inlet, statistics, config.batchPolicy, deadLetter: deadLetter,
                               logger: sinkLogger)
                case .otlp, .zipkin:
                    throw TopologyError.sourceFailed(source: named.id, reason: "a trace sink takes no logs")
                }
            },
            startSource: { named, outlet, dataDir, host in
                var sourceLogger = logger
                sourceLogger[metadataKey: "component_id"] = "\(named.id)"
                switch named.config {
                case .hostMetrics, .statsd, .otlp, .zipkin:
                    // Built elsewhere; StatsD and OTLP get their log outlet from the topology.
                    return nil
                case .journald(let config):
                    let source = try JournaldSource(
                        id: named.id, config: config, dataDir: dataDir, outlet: outlet, host: host,
                        logger: sourceLogger, executable: executable)
                    return LogSourceHandle(
                        producers: [source], stop: { source.stop() }, finish: { await source.finish() })
                case .httpLogs(let config):
                    return try await HTTPLogsSource.start(
                        id: named.id, config: config, outlet: outlet, group: group, threadPool: threadPool,
                        host: host, logger: sourceLogger)
                }
            })
    }

    /// A sink behind a `SinkRunner`: retries until the destination takes the batch (the sources wait meanwhile).
    private static func job<Sink: BatchSink>(
        _ id: String, _ sink: Sink, _ inlet: BoundedChannel<Envelope<LogRecord>>, _ statistics: SinkStatistics,
        _ batch: BatchPolicy, deadLetter: DeadLetterFile?, logger: Logger, producers: [any MetricProducer] = []
    ) -> LogSinkJob where Sink.Item == LogRecord {
        let runner = SinkRunner(
            id: id, sink: sink, inlet: inlet, batch: batch, retry: RetryPolicy(), statistics: statistics,
            itemBytes: { $0[$1].message.utf8.count + 64 * $0[$1].attributes.count + 128 }, deadLetter: deadLetter,
            logger: logger)
        return LogSinkJob(run: { await runner.run() }, producers: producers)
    }
}

/// The `http_logs` source as the log pipeline runs it: the receiver answers from its own bounded queue (429 when
/// it is full), and a forwarder moves what it accepted into the sinks' fan-out, waiting while they are full.
enum HTTPLogsSource {
    static func start(
        id: String, config: HTTPLogsSourceConfig, outlet: Fanout<LogRecord>, group: any EventLoopGroup,
        threadPool: NIOThreadPool?, host: TaskHost, logger: Logger
    ) async throws -> LogSourceHandle {
        let queue = BoundedChannel<Envelope<LogRecord>>(capacity: config.queueCapacity)
        let receiver = config.makeReceiver(id: id, channel: queue, threadPool: threadPool, logger: logger)
        let server: HTTPServer
        do {
            server = try await receiver.bind(config.listen, maxBodyBytes: config.maxBodyBytes, group: group)
        } catch {
            throw TopologyError.sourceFailed(source: id, reason: "cannot listen on \(config.listen): \(error)")
        }
        logger.info("The http_logs source is listening.", metadata: ["address": "\(config.listen)", "path": "\(config.path)"])
        let forwarded = StopSignal()
        host.spawn {
            while let envelope = await queue.receive() {
                guard await outlet.send(envelope.items) else {
                    receiver.records.add("dropped_shutdown", envelope.items.count)
                    continue
                }
            }
            forwarded.fire()
        }
        return LogSourceHandle(
            producers: [receiver.requests, receiver.records, receiver.fieldIssues],
            stopAccepting: { deadline in
                await server.close()
                queue.close()
                // What was accepted goes on to the sinks, unless they stay full past the deadline.
                await forwarded.wait(until: deadline)
            },
            stop: { await forwarded.wait() })
    }
}

/// An Elasticsearch sink's own counters (`noa_elasticsearch_*`) as a metric producer.
struct ElasticsearchStatisticsProducer: MetricProducer {
    let statistics: ElasticsearchSinkStatistics
    var id: String { "elasticsearch" }

    func gather() -> MetricBatch {
        var batch = MetricBatch()
        statistics.add(to: &batch)
        return batch
    }
}
