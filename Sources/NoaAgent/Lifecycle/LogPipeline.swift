import Logging
import NoaCore
import NoaPipeline
import NoaSinks

/// The log signal as it runs: one `SinkRunner` per log sink behind its bounded inlet, and the log sources that
/// feed those inlets through fan-outs (`inputs:` in the config).
///
/// A reload that changes any part of it (a log source, a log sink, their wiring, `data_dir`) replaces it whole:
/// the old sources stop, the sinks drain what they accepted (up to `drainTimeout`), and the new pipeline starts.
/// Nothing is lost by that: the journal source resumes from its checkpoint, which never passed an entry a sink
/// had not acknowledged.
final class LogPipeline: Sendable {
    /// What the pipeline was built from; equal specs mean a reload leaves it running.
    struct Spec: Equatable {
        var dataDir: String
        var sources: [NamedSource]
        var sinks: [NamedSink]

        init(_ config: AgentConfig) {
            dataDir = config.dataDir
            // A file or console sink given only trace sources belongs to the trace pipeline alone.
            let logSources = Set(config.sources.filter { $0.config.signals.contains(.logs) }.map(\.id))
            sinks = config.sinks.filter { named in
                named.config.accepts.contains(.logs) && named.config.inputs.contains(where: logSources.contains)
            }
            let wired = Set(sinks.flatMap(\.config.inputs))
            // StatsD is rebuilt by the metric side of the topology; only its event outlet is ours.
            sources = config.sources.filter { named in
                wired.contains(named.id) && named.config.signals.contains(.logs)
            }
        }
    }

    struct RunningSink: Sendable {
        var id: String
        var inlet: BoundedChannel<Envelope<LogRecord>>
        var statistics: SinkStatistics
        var finished: StopSignal
        var abort: StopSignal
    }

    let spec: Spec
    private let sinks: [RunningSink]
    private let sourceHandles: [LogSourceHandle]
    /// Fan-outs by source id, for sources built elsewhere (StatsD events).
    let outlets: [String: Fanout<LogRecord>]
    let statistics: [SinkStatistics]
    /// The sinks' and sources' own counters (beyond `statistics`).
    let producers: [any MetricProducer]

    private init(
        spec: Spec, sinks: [RunningSink], sourceHandles: [LogSourceHandle], outlets: [String: Fanout<LogRecord>],
        producers: [any MetricProducer]
    ) {
        self.producers = producers
        self.spec = spec
        self.sinks = sinks
        self.sourceHandles = sourceHandles
        self.outlets = outlets
        self.statistics = sinks.map(\.statistics)
    }

    /// Builds the sinks first (so nothing a source sends can find no taker), then the sources.
    static func start(
        _ config: AgentConfig, host: TaskHost, factory: LogComponentFactory, logger: Logger
    ) async throws -> LogPipeline {
        let spec = Spec(config)
        var sinks: [RunningSink] = []
        var producers: [any MetricProducer] = []
        var inletsBySource: [String: [BoundedChannel<Envelope<LogRecord>>]] = [:]
        do {
            for named in spec.sinks {
                let inlet = BoundedChannel<Envelope<LogRecord>>(capacity: factory.inletCapacity)
                let statistics = SinkStatistics(id: named.id, signal: "logs", queueDepth: { inlet.count })
                let job = try factory.makeSinkJob(named, inlet, statistics, config.dataDir)
                let running = RunningSink(
                    id: named.id, inlet: inlet, statistics: statistics, finished: StopSignal(), abort: StopSignal())
                producers += job.producers
                host.spawn { [abort = running.abort, finished = running.finished] in
                    await run(job.run, abortingOn: abort)
                    finished.fire()
                }
                sinks.append(running)
                for input in named.config.inputs { inletsBySource[input, default: []].append(inlet) }
            }
        } catch {
            for sink in sinks {
                sink.inlet.close()
                sink.abort.fire()
            }
            throw error
        }
        var outlets: [String: Fanout<LogRecord>] = [:]
        for (id, inlets) in inletsBySource { outlets[id] = Fanout(inlets) }
        var handles: [LogSourceHandle] = []
        do {
            for named in spec.sources {
                guard let outlet = outlets[named.id] else { continue }
                if let handle = try await factory.startSource(named, outlet, config.dataDir, host) {
                    handles.append(handle)
                    producers += handle.producers
                }
            }
        } catch {
            for handle in handles {
                await handle.stopAccepting(.now)
                await handle.stop()
                await handle.finish()
            }
            for sink in sinks {
                sink.inlet.close()
                sink.abort.fire()
            }
            throw error
        }
        logger.debug("The log pipeline started.", metadata: ["sinks": "\(sinks.map(\.id))", "sources": "\(spec.sources.map(\.id))"])
        return LogPipeline(spec: spec, sinks: sinks, sourceHandles: handles, outlets: outlets, producers: producers)
    }

    /// Closes the sinks' inlets (a source blocked on a full one is released, and push receivers answer 503 from
    /// now on), stops the sources, lets the sinks deliver what they hold for up to `drainTimeout`, then aborts
    /// them; last, sources record what was delivered (the journal's checkpoint). Batches not delivered by then were
    /// never acknowledged and are replayed from the checkpoint on the next start.
    func stop(drainTimeout: Duration) async {
        let deadline = ContinuousClock.now + drainTimeout
        for handle in sourceHandles { await handle.stopAccepting(deadline) }
        for sink in sinks { sink.inlet.close() }
        for handle in sourceHandles { await handle.stop() }
        for sink in sinks {
            await sink.finished.wait(until: deadline)
            sink.abort.fire()
            await sink.finished.wait()
        }
        for handle in sourceHandles { await handle.finish() }
    }
}

/// A log sink ready to run: the job (until its inlet is closed and drained) and the sink's own counters.
struct LogSinkJob: Sendable {
    var run: @Sendable () async -> Void
    var producers: [any MetricProducer] = []
}

/// A running log source, as the pipeline stops it.
struct LogSourceHandle: Sendable {
    /// The source's own counters, served with the agent's metrics.
    var producers: [any MetricProducer] = []
    /// Push sources: stop accepting and hand what was accepted to the sinks, by the deadline (before the sinks'
    /// inlets close).
    var stopAccepting: @Sendable (_ deadline: ContinuousClock.Instant) async -> Void = { _ in }
    /// Stop reading (threads joined, sockets closed); a source blocked on a sink's inlet has been released.
    var stop: @Sendable () async -> Void = {}
    /// After the sinks drained: persist what was delivered (the journal's checkpoint).
    var finish: @Sendable () async -> Void = {}
}

/// Builds the log pipeline's components from their config: injected into `LogPipeline.start`, so the
/// pipeline's assembly is tested with fake sinks and sources.
struct LogComponentFactory: Sendable {
    /// Batches each sink's inlet holds before its sources wait: enough to keep a sink busy while its source reads
    /// the next batch, few enough that memory stays small (a journal batch is up to 500 records by default).
    var inletCapacity = 8
    /// Builds a sink and returns the job that runs it until its inlet is closed and drained.
    var makeSinkJob: @Sendable (
        _ sink: NamedSink, _ inlet: BoundedChannel<Envelope<LogRecord>>, _ statistics: SinkStatistics, _ dataDir: String
    ) throws -> LogSinkJob
    /// Starts a log source sending into `outlet`; returns how to stop it (nil: nothing to stop, e.g. a source
    /// whose events come from elsewhere).
    var startSource: @Sendable (
        _ source: NamedSource, _ outlet: Fanout<LogRecord>, _ dataDir: String, _ host: TaskHost
    ) async throws -> LogSourceHandle?
}
