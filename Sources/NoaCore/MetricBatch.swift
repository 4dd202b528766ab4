/// An ordered collection of metric families that a collector or source fills during one gather.
///
/// Adding a sample to a family name that is already present appends to that family, so collectors can emit
/// samples in whatever order they read them. A second declaration of the same name with another type is a
/// programming or naming conflict: the sample is not added and `conflicts` counts it, so the exposition never
/// carries one name with two types.
public struct MetricBatch: Sendable {
    public private(set) var families: [MetricFamily] = []
    private var indexByName: [String: Int] = [:]
    /// Samples refused because their family name was already declared with another type.
    public private(set) var conflicts: Int = 0

    public init() {}

    /// An empty batch with room for `families` families, so filling it does not rehash its index.
    public init(reservingCapacity families: Int) {
        self.families.reserveCapacity(families)
        self.indexByName.reserveCapacity(families)
    }

    /// A point to roll back to: the families declared so far.
    public struct Checkpoint: Sendable {
        fileprivate let familyCount: Int
        fileprivate let lastFamilySampleCount: Int
    }

    public func checkpoint() -> Checkpoint {
        Checkpoint(familyCount: families.count, lastFamilySampleCount: families.last?.samples.count ?? 0)
    }

    /// Removes every family declared after `checkpoint`, and samples appended to the family that was last then.
    /// Samples added to other, older families are not tracked: a producer that rolls back must only add to
    /// families it declared itself (each host collector owns its family names).
    public mutating func rollback(to checkpoint: Checkpoint) {
        guard checkpoint.familyCount <= families.count else { return }
        for family in families[checkpoint.familyCount...] { indexByName[family.name] = nil }
        families.removeSubrange(checkpoint.familyCount...)
        if let last = families.indices.last, families[last].samples.count > checkpoint.lastFamilySampleCount {
            families[last].samples.removeSubrange(checkpoint.lastFamilySampleCount...)
        }
    }

    public var isEmpty: Bool { families.isEmpty }

    /// Adds one sample to the family `name`, declaring the family on first use.
    @inlinable
    public mutating func add(
        _ name: String, _ type: MetricType, _ help: String, value: Double, labels: [Label] = []
    ) {
        add(name, type, help, sample: Sample(labels: labels, value: value))
    }

    /// Adds a counter sample (`name` should end in `_total`).
    @inlinable
    public mutating func counter(_ name: String, _ help: String, _ value: Double, _ labels: [Label] = []) {
        add(name, .counter, help, sample: Sample(labels: labels, value: value))
    }

    /// Adds a gauge sample.
    @inlinable
    public mutating func gauge(_ name: String, _ help: String, _ value: Double, _ labels: [Label] = []) {
        add(name, .gauge, help, sample: Sample(labels: labels, value: value))
    }

    /// Adds an untyped sample (node_exporter declares netstat, vmstat and similar raw kernel fields untyped).
    @inlinable
    public mutating func untyped(_ name: String, _ help: String, _ value: Double, _ labels: [Label] = []) {
        add(name, .untyped, help, sample: Sample(labels: labels, value: value))
    }

    public mutating func add(_ name: String, _ type: MetricType, _ help: String, sample: Sample) {
        // Collectors add a family's samples one after another: check the last family before hashing the name.
        if let last = families.indices.last, families[last].name == name, families[last].type == type {
            families[last].samples.append(sample)
            return
        }
        if let index = indexByName[name] {
            guard families[index].type == type else {
                conflicts += 1
                return
            }
            families[index].samples.append(sample)
        } else {
            indexByName[name] = families.count
            families.append(MetricFamily(name: name, help: help, type: type, samples: [sample]))
        }
    }

    /// Declares a family without samples yet (so an empty family can still be merged into).
    public mutating func append(_ family: MetricFamily) {
        if let index = indexByName[family.name] {
            guard families[index].type == family.type else {
                conflicts += family.samples.count
                return
            }
            families[index].samples.append(contentsOf: family.samples)
        } else {
            indexByName[family.name] = families.count
            families.append(family)
        }
    }

    /// Merges every family of `other` into this batch.
    public mutating func append(contentsOf other: MetricBatch) {
        for family in other.families { append(family) }
        conflicts += other.conflicts
    }

    /// The family called `name`, if present.
    public func family(named name: String) -> MetricFamily? {
        indexByName[name].map { families[$0] }
    }
}
