import Logging
import NoaCore
import NoaPipeline

/// What a source is built with: its id and logger, the agent's services, and one outlet per pushed signal, wired to
/// every sink that lists the source and takes that signal (an outlet no sink takes is empty: `isWired` is false).
public struct SourceContext: Sendable {
    public let id: String
    /// Where state lives (checkpoints).
    public let dataDir: String
    /// With `component_id` set.
    public let logger: Logger
    public let services: AgentServices
    public let logs: Fanout<LogRecord>
    public let traces: Fanout<ResourceSpans>
    /// The signals some sink takes from this source (metrics included: a source whose metrics no sink serves
    /// need not compute them).
    public let wired: Set<SignalKind>

    public init(
        id: String, dataDir: String, logger: Logger, services: AgentServices,
        logs: Fanout<LogRecord> = Fanout([]), traces: Fanout<ResourceSpans> = Fanout([]), wired: Set<SignalKind>? = nil
    ) {
        self.id = id
        self.dataDir = dataDir
        self.logger = logger
        self.services = services
        self.logs = logs
        self.traces = traces
        var derived: Set<SignalKind> = []
        if logs.isWired { derived.insert(.logs) }
        if traces.isWired { derived.insert(.traces) }
        self.wired = wired ?? derived
    }

    /// A registry for the source's own metrics, labelled with its id.
    public func selfMetrics() -> SelfMetrics { SelfMetrics(component: id) }
}

/// A started source, as the topology runs and stops it. Stopping goes in this order, each step for every source
/// being stopped before the next: `stopAccepting` (push receivers close and hand on what they accepted, by the
/// deadline), then the source's outlets are cancelled (a send waiting on a full sink is released), `stop` (threads
/// joined, sockets closed), the sinks drain, and last `finish` (persist what was delivered: the journal's checkpoint).
public struct RunningSource: Sendable {
    /// The data a metrics sink that lists the source serves (host metrics, StatsD series, span metrics).
    public var metrics: [any MetricProducer]
    /// The source's own counters (`noa_*`), served with the agent's.
    public var selfMetrics: [any MetricProducer]
    /// Where it listens, as bound (a config's port 0 becomes the kernel's choice).
    public var receiving: [String]
    public var stopAccepting: @Sendable (_ deadline: ContinuousClock.Instant) async -> Void
    public var stop: @Sendable () async -> Void
    public var finish: @Sendable (_ deadline: ContinuousClock.Instant) async -> Void

    public init(
        metrics: [any MetricProducer] = [], selfMetrics: [any MetricProducer] = [], receiving: [String] = [],
        stopAccepting: @escaping @Sendable (_ deadline: ContinuousClock.Instant) async -> Void = { _ in },
        stop: @escaping @Sendable () async -> Void = {},
        finish: @escaping @Sendable (_ deadline: ContinuousClock.Instant) async -> Void = { _ in }
    ) {
        self.metrics = metrics
        self.selfMetrics = selfMetrics
        self.receiving = receiving
        self.stopAccepting = stopAccepting
        self.stop = stop
        self.finish = finish
    }
}
