import Logging
import NoaComponents
import NoaCore
import NoaPipeline

/// The running components built from one `AgentConfig`, and the one way they are started, wired, stopped and
/// replaced, whatever their kind and signal.
///
/// Starting goes sinks first, so nothing a source sends can find no taker: each push sink (one per signal it
/// takes from its inputs: a `file` sink listed by a journal and an OTLP source runs once for logs and once for
/// traces) gets its bounded inlet and its job among the agent's tasks; each metrics sink binds, gathering from a
/// `MetricInputs` kept current here. Then every source listed by a sink starts, with one fan-out per pushed signal
/// over the inlets of the sinks that list it. Stopping goes the other way: sources stop accepting and their
/// fan-outs are cancelled, sinks drain what they hold (up to `drainTimeout`, then they are aborted: what they had
/// not delivered was never acknowledged), and last the sources record what was delivered (the journal's
/// checkpoint).
///
/// `apply` moves from one config to the next replacing only what changed: a sink stays when everything but its
/// `inputs` is unchanged and it takes the same signals; a source stays when its config, the sinks each of its
/// signals goes to and those sinks themselves are unchanged. Replaced components stop (in the order above) before
/// their successors start, so a listener may keep its address. State that shapes what a source serves (StatsD's
/// series, OTLP's merged metrics) survives its rebuild through `AgentServices.retained`. If a new component cannot
/// start, everything started by that apply is stopped again and the previous config is applied back.
final class Topology {
    /// A push sink's inlet and job, for one signal.
    private struct PushSinkRun<Item: Sendable> {
        var inlet: BoundedChannel<Envelope<Item>>
        var finished: StopSignal
        var abort: StopSignal
        var selfMetrics: [any MetricProducer]
    }

    private struct SinkRun {
        var named: NamedSink
        var signals: Set<SignalKind>
        var logs: PushSinkRun<LogRecord>?
        var traces: PushSinkRun<ResourceSpans>?
        var metrics: RunningMetricSink?
        var inputs: MetricInputs?

        var selfMetrics: [any MetricProducer] {
            (logs?.selfMetrics ?? []) + (traces?.selfMetrics ?? []) + (metrics?.selfMetrics ?? [])
        }
    }

    /// Which sinks a source's signals go to: equal wirings and unchanged sinks let a source stay through a reload.
    private struct Wiring: Equatable {
        var logs: [String]
        var traces: [String]
        var metrics: [String]

        var sinks: Set<String> { Set(logs + traces) }
    }

    private struct SourceRun {
        var named: NamedSource
        var wiring: Wiring
        var running: RunningSource
        var logs: Fanout<LogRecord>
        var traces: Fanout<ResourceSpans>
    }

    private var sinks: [String: SinkRun] = [:]
    private var sources: [String: SourceRun] = [:]
    private var current: AgentConfig?
    private let services: AgentServices
    private let logger: Logger
    /// Every running component's own metrics, served with the agent's by the metrics sinks that serve them.
    private let componentMetrics = SelfMetricsSet(id: "components")
    /// What a metrics sink with `self_metrics` serves beside its inputs.
    private let agentMetrics: [any MetricProducer]
    /// How long stopping components may take to hand on and deliver what they accepted.
    var drainTimeout: Duration = .seconds(5)

    /// - Parameter agentMetrics: the agent's own producers (`process_*`, the agent's `noa_*`); every running
    ///   component's self-metrics are added to them.
    init(services: AgentServices, agentMetrics: [any MetricProducer], logger: Logger) {
        self.services = services
        self.agentMetrics = agentMetrics + [componentMetrics]
        self.logger = logger
    }

    /// Where the metrics sinks listen and the sources receive, as bound.
    var listening: [(id: String, address: String)] {
        sinks.values.sorted { $0.named.id < $1.named.id }.flatMap { sink in
            (sink.metrics?.listening ?? []).map { (sink.named.id, $0) }
        }
    }

    var receiving: [(id: String, address: String)] {
        sources.values.sorted { $0.named.id < $1.named.id }.flatMap { source in
            source.running.receiving.map { (source.named.id, $0) }
        }
    }

    // MARK: - Applying a config

    /// Makes the running components match `config`. Throws when a component cannot start, after stopping what this
    /// apply started and applying the previous config again.
    func apply(_ config: AgentConfig) async throws {
        try await apply(config, rollingBackTo: current)
    }

    private func apply(_ config: AgentConfig, rollingBackTo previous: AgentConfig?) async throws {
        let plan = Plan(config, running: self)
        for id in plan.unlisted where !(current?.sources.contains { $0.id == id } ?? false) {
            logger.warning(
                "A source is listed by no sink's inputs; it is not started.", metadata: ["component_id": "\(id)"])
        }
        let deadline = services.clock.now + drainTimeout
        await stop(sources: sources.values.filter { !plan.keptSources.contains($0.named.id) },
                   sinks: sinks.values.filter { !plan.keptSinks.contains($0.named.id) }, deadline: deadline)
        sinks = sinks.filter { plan.keptSinks.contains($0.key) }
        sources = sources.filter { plan.keptSources.contains($0.key) }
        // A kept sink takes the new config's inputs (which `rewire` serves a metrics sink from).
        for named in config.sinks where plan.keptSinks.contains(named.id) { sinks[named.id]?.named = named }
        current = nil
        do {
            for named in config.sinks where !plan.keptSinks.contains(named.id) {
                sinks[named.id] = try await start(named, signals: plan.signals[named.id] ?? [], dataDir: config.dataDir)
            }
            for named in config.sources where plan.wirings[named.id] != nil && !plan.keptSources.contains(named.id) {
                sources[named.id] = try await start(named, wiring: plan.wirings[named.id]!, dataDir: config.dataDir)
            }
        } catch {
            // Back to the components that were kept, then to the previous config.
            let started = (
                sources: sources.values.filter { !plan.keptSources.contains($0.named.id) },
                sinks: sinks.values.filter { !plan.keptSinks.contains($0.named.id) })
            await stop(sources: started.sources, sinks: started.sinks, deadline: services.clock.now)
            sinks = sinks.filter { plan.keptSinks.contains($0.key) }
            sources = sources.filter { plan.keptSources.contains($0.key) }
            if let previous {
                do {
                    try await apply(previous, rollingBackTo: nil)
                } catch {
                    logger.error(
                        "The previous config could not be started again after a failed reload.",
                        metadata: ["error": "\(error)"])
                }
            }
            // Metrics sinks serve what runs now, whatever the rollback managed.
            rewire()
            throw error
        }
        current = config
        rewire()
        services.retained.keepOnly(Set(sources.keys))
    }

    /// What an apply keeps and how it wires what it starts.
    private struct Plan {
        /// Per sink, the signals it runs for: those it takes that one of its inputs emits.
        var signals: [String: Set<SignalKind>] = [:]
        /// Per listed source, where its signals go.
        var wirings: [String: Wiring] = [:]
        var keptSinks: Set<String> = []
        var keptSources: Set<String> = []
        /// Sources no sink lists.
        var unlisted: [String] = []

        init(_ config: AgentConfig, running: Topology) {
            for sink in config.sinks {
                let emitted = sink.config.inputs.compactMap { config.source($0)?.emits }
                    .reduce(into: Set()) { $0.formUnion($1) }
                signals[sink.id] = sink.accepts.intersection(emitted)
            }
            for source in config.sources {
                var wiring = Wiring(logs: [], traces: [], metrics: [])
                for sink in config.sinks where sink.config.inputs.contains(source.id) {
                    let taken = sink.accepts.intersection(source.emits)
                    if taken.contains(.logs) { wiring.logs.append(sink.id) }
                    if taken.contains(.traces) { wiring.traces.append(sink.id) }
                    if taken.contains(.metrics) { wiring.metrics.append(sink.id) }
                }
                if wiring.logs.isEmpty && wiring.traces.isEmpty && wiring.metrics.isEmpty {
                    unlisted.append(source.id)
                } else {
                    wirings[source.id] = wiring
                }
            }
            for sink in config.sinks {
                guard let old = running.sinks[sink.id], old.signals == signals[sink.id],
                      sink.config.isSameSink(as: old.named.config)
                else { continue }
                keptSinks.insert(sink.id)
            }
            for source in config.sources {
                guard let wiring = wirings[source.id], let old = running.sources[source.id], old.named == source,
                      old.wiring == wiring, wiring.sinks.isSubset(of: keptSinks)
                else { continue }
                keptSources.insert(source.id)
            }
        }
    }

    // MARK: - Starting

    private func logger(for id: String) -> Logger {
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        return logger
    }

    private func start(_ named: NamedSink, signals: Set<SignalKind>, dataDir: String) async throws -> SinkRun {
        var run = SinkRun(named: named, signals: signals)
        func context(_ signal: SignalKind) -> SinkContext {
            SinkContext(
                id: named.id, dataDir: dataDir, logger: logger(for: named.id), services: services, signal: signal)
        }
        do {
            if signals.contains(.logs), let config = named.config as? any LogSinkConfiguration {
                run.logs = spawn(try config.makeLogSink(context(.logs)))
            }
            if signals.contains(.traces), let config = named.config as? any TraceSinkConfiguration {
                run.traces = spawn(try config.makeTraceSink(context(.traces)))
            }
            if signals.contains(.metrics), let config = named.config as? any MetricSinkConfiguration {
                let inputs = MetricInputs()
                run.inputs = inputs
                run.metrics = try await config.startMetricSink(context(.metrics), inputs: inputs)
            }
        } catch {
            await stop(run, deadline: services.clock.now)
            throw TopologyError.sinkFailed(sink: named.id, reason: "\(error)")
        }
        return run
    }

    private func spawn<Item>(_ sink: PushSink<Item>) -> PushSinkRun<Item> {
        let run = PushSinkRun(
            inlet: sink.inlet, finished: StopSignal(), abort: StopSignal(), selfMetrics: sink.selfMetrics)
        services.tasks.spawn { [abort = run.abort, finished = run.finished] in
            await NoaPipeline.run(sink.run, abortingOn: abort)
            finished.fire()
        }
        return run
    }

    private func start(_ named: NamedSource, wiring: Wiring, dataDir: String) async throws -> SourceRun {
        let logs = Fanout(wiring.logs.compactMap { sinks[$0]?.logs?.inlet })
        let traces = Fanout(wiring.traces.compactMap { sinks[$0]?.traces?.inlet })
        var wired: Set<SignalKind> = []
        if !wiring.logs.isEmpty { wired.insert(.logs) }
        if !wiring.traces.isEmpty { wired.insert(.traces) }
        if !wiring.metrics.isEmpty { wired.insert(.metrics) }
        let context = SourceContext(
            id: named.id, dataDir: dataDir, logger: logger(for: named.id), services: services, logs: logs,
            traces: traces, wired: wired)
        do {
            let running = try await named.config.start(context)
            return SourceRun(named: named, wiring: wiring, running: running, logs: logs, traces: traces)
        } catch {
            throw TopologyError.sourceFailed(source: named.id, reason: "\(error)")
        }
    }

    /// Points each metrics sink at the current producers of its inputs, and serves every component's self-metrics.
    private func rewire() {
        for sink in sinks.values {
            guard let inputs = sink.inputs, let config = sink.named.config as? any MetricSinkConfiguration
            else { continue }
            var producers = sink.named.config.inputs.flatMap { sources[$0]?.running.metrics ?? [] }
            if config.servesSelfMetrics { producers += agentMetrics }
            inputs.set(producers)
        }
        componentMetrics.set(
            sources.values.sorted { $0.named.id < $1.named.id }.flatMap(\.running.selfMetrics)
                + sinks.values.sorted { $0.named.id < $1.named.id }.flatMap(\.selfMetrics))
    }

    // MARK: - Stopping

    /// Stops everything: sources first (nothing new is accepted), then the sinks drain, last the sources record
    /// what was delivered. The metrics sinks close last, so `/metrics` keeps serving during the drain.
    func stop() async {
        await stop(
            sources: Array(sources.values), sinks: Array(sinks.values), deadline: services.clock.now + drainTimeout)
        sources = [:]
        sinks = [:]
        current = nil
        rewire()
    }

    private func stop(sources: [SourceRun], sinks: [SinkRun], deadline: ContinuousClock.Instant) async {
        for source in sources { await source.running.stopAccepting(deadline) }
        for source in sources {
            source.logs.cancel()
            source.traces.cancel()
        }
        for source in sources { await source.running.stop() }
        for sink in sinks { await stopPush(sink, deadline: deadline) }
        for source in sources { await source.running.finish(deadline) }
        for sink in sinks { await sink.metrics?.stop() }
    }

    private func stop(_ sink: SinkRun, deadline: ContinuousClock.Instant) async {
        await stopPush(sink, deadline: deadline)
        await sink.metrics?.stop()
    }

    /// Closes the push inlets, lets the jobs deliver what they hold until `deadline`, then aborts them.
    private func stopPush(_ sink: SinkRun, deadline: ContinuousClock.Instant) async {
        sink.logs?.inlet.close()
        sink.traces?.inlet.close()
        for run in [sink.logs.map { ($0.finished, $0.abort) }, sink.traces.map { ($0.finished, $0.abort) }] {
            guard let (finished, abort) = run else { continue }
            await finished.wait(until: deadline, clock: services.clock)
            abort.fire()
            await finished.wait()
        }
    }
}

enum TopologyError: Error, CustomStringConvertible {
    case sinkFailed(sink: String, reason: String)
    case sourceFailed(source: String, reason: String)

    var description: String {
        switch self {
        case .sinkFailed(let sink, let reason): return "sinks.\(sink): \(reason)"
        case .sourceFailed(let source, let reason): return "sources.\(source): \(reason)"
        }
    }
}
