/// The values of a `SeriesStore` at one instant, copied under its owner's lock and exposed after the lock is
/// released (sorting, summary quantiles and building the samples are the costly part of a scrape).
public struct SeriesSnapshot: Sendable {
    /// One family's series, as parallel arrays of what its kind exposes (16 bytes per counter or gauge series, so
    /// a snapshot of many series stays small), in creation order, the overflow series last.
    public struct Family: Sendable {
        public var name: String
        public var help: String
        public var kind: SeriesKind
        public var quantiles: [Double]
        public var order: SeriesOrder
        public var labels: [[Label]] = []
        /// Counters and gauges: the value; sets: the member count.
        public var values: [Double] = []
        /// Histograms and summaries.
        public var sums: [Double] = []
        public var counts: [Double] = []
        /// Histograms.
        public var bounds: [[Double]] = []
        public var bucketCounts: [[Double]] = []
        /// Summaries.
        public var windows: [SummaryWindow?] = []

        /// Nil for a family without series: it is not exposed.
        init?(_ family: SeriesFamily) {
            guard family.count > 0 else { return nil }
            name = family.name
            help = family.help
            kind = family.kind
            quantiles = family.quantiles
            order = family.order
            labels.reserveCapacity(family.count)
            for series in family.list { append(series) }
            if let overflow = family.overflow { append(overflow) }
        }

        /// Copies what the kind exposes, reading the values in place.
        private mutating func append(_ series: Series) {
            labels.append(series.labels)
            let v = series.cell
            switch kind {
            case .counter, .gauge: values.append(v.pointee.value)
            case .set: values.append(Double(v.pointee.members.count))
            case .histogram:
                sums.append(v.pointee.sum)
                counts.append(v.pointee.count)
                bounds.append(v.pointee.bounds)
                bucketCounts.append(v.pointee.bucketCounts)
            case .summary:
                sums.append(v.pointee.sum)
                counts.append(v.pointee.count)
                windows.append(v.pointee.window)
            }
        }
    }

    public var families: [Family]

    /// Appends every family to `batch`: counters, gauges and sets as one sample per series; histograms as
    /// cumulative `_bucket` samples (`le` per bound, then `+Inf`), `_sum` and `_count`; summaries as one sample per
    /// quantile of the window at `now` (NaN when it is empty), `_sum` and `_count`. The `le` and `quantile` label
    /// comes after the series' labels.
    public func expose(into batch: inout MetricBatch, now: Double) {
        for family in families { Self.expose(family, into: &batch, now: now) }
    }

    private static func expose(_ family: Family, into batch: inout MetricBatch, now: Double) {
        let labels = family.labels
        var order = Array(labels.indices)
        if family.order == .labels {
            // Indices, not the series, are moved by the sort.
            order.sort { labels[$0].lexicographicallyPrecedes(labels[$1], by: labelLess) }
        }
        var samples: [Sample] = []
        switch family.kind {
        case .counter, .gauge, .set:
            samples.reserveCapacity(order.count)
            for i in order { samples.append(Sample(labels: labels[i], value: family.values[i])) }
        case .histogram:
            // Series of one family usually share their bounds: their `le` labels are made once.
            var bounds: [Double] = []
            var le: [Label] = []
            let infinity = Label("le", "+Inf")
            samples.reserveCapacity(order.count * ((family.bounds.first?.count ?? 0) + 3))
            for i in order {
                if family.bounds[i] != bounds {
                    bounds = family.bounds[i]
                    le = bounds.map { Label("le", LabelValue.number($0)) }
                }
                let counts = family.bucketCounts[i]
                var cumulative = 0.0
                for b in 0..<min(le.count, counts.count) {
                    cumulative += counts[b]
                    samples.append(Sample(suffix: "_bucket", labels: labels[i] + CollectionOfOne(le[b]), value: cumulative))
                }
                samples.append(Sample(suffix: "_bucket", labels: labels[i] + CollectionOfOne(infinity), value: family.counts[i]))
                samples.append(Sample(suffix: "_sum", labels: labels[i], value: family.sums[i]))
                samples.append(Sample(suffix: "_count", labels: labels[i], value: family.counts[i]))
            }
        case .summary:
            let quantileLabels = family.quantiles.map { Label("quantile", LabelValue.number($0)) }
            samples.reserveCapacity(order.count * (quantileLabels.count + 2))
            for i in order {
                let values = family.windows[i]?.quantiles(family.quantiles, now: now) ?? []
                for (label, value) in zip(quantileLabels, values) {
                    samples.append(Sample(labels: labels[i] + CollectionOfOne(label), value: value))
                }
                samples.append(Sample(suffix: "_sum", labels: labels[i], value: family.sums[i]))
                samples.append(Sample(suffix: "_count", labels: labels[i], value: family.counts[i]))
            }
        }
        batch.append(MetricFamily(name: family.name, help: family.help, type: family.kind.metricType, samples: samples))
    }

    private static func labelLess(_ a: Label, _ b: Label) -> Bool {
        a.name != b.name ? a.name < b.name : a.value < b.value
    }
}
