import NoaCore
import NoaHTTP

/// The three telemetry signals. Logs and traces are pushed through bounded channels to the sinks that take them;
/// metrics are pulled, at scrape or collection time, from the producers of the sources a metrics sink lists.
public enum SignalKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case metrics, logs, traces

    public static func < (a: SignalKind, b: SignalKind) -> Bool { a.rawValue < b.rawValue }
}

/// A kind of component as `agent.yaml` names it (`type: journald`): its keys, how they are read and checked, and
/// (in the protocols below) how it is built. A component's folder holds its config type conforming to one of them,
/// its runtime and its self-metrics; registering it is one line in the agent's component list.
public protocol ComponentConfiguration: Sendable, Equatable {
    /// The `type:` value.
    static var typeName: String { get }
    /// Its own keys (besides `type`, and a sink's `inputs`): any other key is reported, with a suggestion.
    static var keys: [String] { get }
    /// Reads and checks its keys, recording every problem at its position; nil when it can't be built at all.
    static func read(_ map: ConfigMap) -> Self?
    /// The TCP addresses it listens on: the loader refuses two components on one port.
    var tcpListeners: [ListenAddress] { get }
}

extension ComponentConfiguration {
    public var tcpListeners: [ListenAddress] { [] }

    /// Equality with a component of any kind (a reload compares the old config's components with the new one's).
    public func isEqual(to other: any ComponentConfiguration) -> Bool {
        (other as? Self) == self
    }
}

/// A source: it emits some signals, and runs from `start` until the topology stops it.
public protocol SourceConfiguration: ComponentConfiguration {
    /// What it emits. A sink that lists it must take at least one of these (checked with the config's positions);
    /// for each pushed signal it emits, it finds its outlet in the context, wired to every sink that lists it.
    static var emits: Set<SignalKind> { get }
    /// Where it receives pushed data, for a person at a terminal (`make run` prints these); empty for pull sources.
    var receiving: [String] { get }
    /// Starts it. Throws (with what went wrong) when it can't: a port taken, a journal that can't be opened.
    func start(_ context: SourceContext) async throws -> RunningSource
}

extension SourceConfiguration {
    public var receiving: [String] { [] }
}

/// A sink: it takes the signals of the sources in its `inputs`.
public protocol SinkConfiguration: ComponentConfiguration {
    /// The sources it takes from.
    var inputs: [String] { get set }
}

extension SinkConfiguration {
    /// The signals it takes, from the protocols it conforms to (so the compiler, not a list, decides them).
    public static var accepts: Set<SignalKind> {
        var signals: Set<SignalKind> = []
        if Self.self is any MetricSinkConfiguration.Type { signals.insert(.metrics) }
        if Self.self is any LogSinkConfiguration.Type { signals.insert(.logs) }
        if Self.self is any TraceSinkConfiguration.Type { signals.insert(.traces) }
        return signals
    }

    /// Whether a running sink built from `other` can stay when this config replaces it: everything but `inputs` is
    /// the same (a change of inputs only rewires its sources).
    public func isSameSink(as other: any SinkConfiguration) -> Bool {
        guard var other = other as? Self else { return false }
        var me = self
        me.inputs = []
        other.inputs = []
        return me == other
    }
}

/// A sink that takes log records, pushed into its inlet.
public protocol LogSinkConfiguration: SinkConfiguration {
    func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord>
}

/// A sink that takes spans, pushed into its inlet.
public protocol TraceSinkConfiguration: SinkConfiguration {
    func makeTraceSink(_ context: SinkContext) throws -> PushSink<ResourceSpans>
}

/// A sink that gathers metrics from its inputs' producers (at scrape time, or on a schedule of its own).
public protocol MetricSinkConfiguration: SinkConfiguration {
    /// Whether the agent's own metrics (`process_*`, `noa_*`) go to it beside its inputs'.
    var servesSelfMetrics: Bool { get }
    func startMetricSink(_ context: SinkContext, inputs: MetricInputs) async throws -> RunningMetricSink
}

extension MetricSinkConfiguration {
    public var servesSelfMetrics: Bool { false }
}

/// Why a component could not start, in words for the operator's log.
public struct ComponentStartError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The usual one: a listener that could not bind.
    public static func cannotListen(on address: CustomStringConvertible, _ error: any Error) -> ComponentStartError {
        ComponentStartError("cannot listen on \(address): \(error)")
    }
}
