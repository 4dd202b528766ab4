import Synchronization

/// A component's own metrics (`noa_*` and the agent's `process_*`), declared in one place per component.
///
/// This is the one way the agent declares its self-metrics (ARCHITECTURE.md principle 7: every failure is counted).
/// A component makes one `SelfMetrics` with its id, and declares every family it reports in one small type of its
/// own (`JournaldMetrics`, `SinkMetrics`…), whose initialiser is the only place those names and help texts are
/// written. The registry is then the component's `MetricProducer` for the agent's `/metrics`.
///
/// Every sample carries `component_id` (unless the registry was made without one, as the agent's own is) followed
/// by the family's fixed labels and, for vectors, the labels given per child. Four kinds of declaration:
/// - `counter` / `gauge`: a value the component updates (atomics: no lock on the hot path);
/// - `counters(_:_:labels:)` / `gauges(_:_:labels:)`: the same, with children made on first use per label values;
/// - `counter(_:_:labels:read:)` / `gauge(_:_:labels:read:)`: a value read from the component at gather time
///   (a queue depth, a count kept under the component's own lock).
///
/// Families are emitted in declaration order, so `/metrics` is stable from scrape to scrape. A family declared at
/// zero is exposed from the start: absent series break `rate()` alerts.
public final class SelfMetrics: MetricProducer {
    public let id: String
    private let base: [Label]
    private let families = Mutex<[Family]>([])

    /// `component`: the component's id, carried as `component_id` on every sample; nil for the agent's own families.
    public init(component: String?) {
        self.id = component ?? "agent"
        self.base = component.map { [Label("component_id", $0)] } ?? []
    }

    private struct Family {
        var name: String
        var help: String
        var type: MetricType
        var labels: [Label]
        var value: Value
    }

    private enum Value {
        case counter(Counter)
        case gauge(Gauge)
        case counters(CounterVector)
        case gauges(GaugeVector)
        case read(@Sendable () -> Double)
    }

    private func declare(_ name: String, _ help: String, _ type: MetricType, _ labels: [Label], _ value: Value) {
        families.withLock { $0.append(Family(name: name, help: help, type: type, labels: base + labels, value: value)) }
    }

    /// A counter the component adds to (`name` ends in `_total`).
    public func counter(_ name: String, _ help: String, labels: [Label] = []) -> Counter {
        let counter = Counter()
        declare(name, help, .counter, labels, .counter(counter))
        return counter
    }

    /// A gauge the component sets.
    public func gauge(_ name: String, _ help: String, labels: [Label] = []) -> Gauge {
        let gauge = Gauge()
        declare(name, help, .gauge, labels, .gauge(gauge))
        return gauge
    }

    /// Counters with further labels, one child per distinct value list, each exposed from its first use.
    /// `declaring` lists the children to expose at zero from the start (their values in `labelNames` order).
    public func counters(
        _ name: String, _ help: String, labels labelNames: [String], fixed: [Label] = [], declaring: [[String]] = []
    ) -> CounterVector {
        let vector = CounterVector(labelNames: labelNames)
        for values in declaring { _ = vector.child(values) }
        declare(name, help, .counter, fixed, .counters(vector))
        return vector
    }

    /// Gauges with further labels, one child per distinct value list.
    public func gauges(
        _ name: String, _ help: String, labels labelNames: [String], fixed: [Label] = []
    ) -> GaugeVector {
        let vector = GaugeVector(labelNames: labelNames)
        declare(name, help, .gauge, fixed, .gauges(vector))
        return vector
    }

    /// A counter whose value the component keeps itself, read at gather time.
    public func counter(_ name: String, _ help: String, labels: [Label] = [], read: @escaping @Sendable () -> Double) {
        declare(name, help, .counter, labels, .read(read))
    }

    /// A gauge read at gather time (a queue's depth, a table's size).
    public func gauge(_ name: String, _ help: String, labels: [Label] = [], read: @escaping @Sendable () -> Double) {
        declare(name, help, .gauge, labels, .read(read))
    }

    public func gather() -> MetricBatch {
        let snapshot = families.withLock { $0 }
        var batch = MetricBatch(reservingCapacity: snapshot.count)
        for family in snapshot {
            switch family.value {
            case .counter(let counter):
                batch.add(family.name, family.type, family.help, value: Double(counter.value), labels: family.labels)
            case .gauge(let gauge):
                batch.add(family.name, family.type, family.help, value: gauge.value, labels: family.labels)
            case .read(let read):
                batch.add(family.name, family.type, family.help, value: read(), labels: family.labels)
            case .counters(let vector):
                for (values, counter) in vector.children() {
                    batch.add(
                        family.name, family.type, family.help, value: Double(counter.value),
                        labels: family.labels + zip(vector.labelNames, values).map { Label($0, $1) })
                }
            case .gauges(let vector):
                for (values, gauge) in vector.children() {
                    batch.add(
                        family.name, family.type, family.help, value: gauge.value,
                        labels: family.labels + zip(vector.labelNames, values).map { Label($0, $1) })
                }
            }
        }
        return batch
    }
}

/// A monotonically increasing count.
public final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public func add(_ n: Int = 1) {
        count.wrappingAdd(n, ordering: .relaxed)
    }

    public var value: Int { count.load(ordering: .relaxed) }
}

/// A value that goes up and down.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0)

    public init() {}

    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    public var value: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }
}

/// Counters told apart by label values (a reason, an outcome), made on first use.
public final class CounterVector: Sendable {
    public let labelNames: [String]
    private let table = Mutex<(order: [[String]], counters: [[String]: Counter])>(([], [:]))

    init(labelNames: [String]) {
        self.labelNames = labelNames
    }

    /// The counter for `values` (one per label name, in order), made at zero on first use.
    public func child(_ values: [String]) -> Counter {
        precondition(values.count == labelNames.count, "a value for each of \(labelNames)")
        return table.withLock { table in
            if let counter = table.counters[values] { return counter }
            let counter = Counter()
            table.counters[values] = counter
            table.order.append(values)
            return counter
        }
    }

    /// Adds `n` to the child for `values`.
    public func add(_ values: String..., n: Int = 1) {
        child(values).add(n)
    }

    /// The child's value, 0 if it was never used.
    public func value(_ values: String...) -> Int {
        table.withLock { $0.counters[values]?.value ?? 0 }
    }

    func children() -> [([String], Counter)] {
        table.withLock { table in table.order.map { ($0, table.counters[$0]!) } }
    }
}

/// Gauges told apart by label values.
public final class GaugeVector: Sendable {
    public let labelNames: [String]
    private let table = Mutex<(order: [[String]], gauges: [[String]: Gauge])>(([], [:]))

    init(labelNames: [String]) {
        self.labelNames = labelNames
    }

    public func child(_ values: [String]) -> Gauge {
        precondition(values.count == labelNames.count, "a value for each of \(labelNames)")
        return table.withLock { table in
            if let gauge = table.gauges[values] { return gauge }
            let gauge = Gauge()
            table.gauges[values] = gauge
            table.order.append(values)
            return gauge
        }
    }

    func children() -> [([String], Gauge)] {
        table.withLock { table in table.order.map { ($0, table.gauges[$0]!) } }
    }
}

/// Several components' self-metrics served as one producer, so families that several of them declare (every
/// sink's `noa_sink_sent_items_total`) appear once on `/metrics`, merged by name. The set changes with reloads.
public final class SelfMetricsSet: MetricProducer {
    public let id: String
    private let members = Mutex<[any MetricProducer]>([])

    public init(id: String) {
        self.id = id
    }

    public func set(_ producers: [any MetricProducer]) {
        members.withLock { $0 = producers }
    }

    public func gather() -> MetricBatch {
        var batch = MetricBatch()
        for member in members.withLock({ $0 }) { batch.append(contentsOf: member.gather()) }
        return batch
    }
}
