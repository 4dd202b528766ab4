/// The values of a `SeriesStore` at one instant, copied under its owner's lock and exposed after the lock is
/// released (sorting, summary quantiles and building the samples are the costly part of a scrape).
public struct SeriesSnapshot: Sendable {
    /// One series' values.
    public struct Values: Sendable {
        public var labels: [Label]
        /// A counter's or gauge's value, or a set's member count.
        public var value: Double
        public var sum: Double
        public var count: Double
        public var bounds: [Double]
        public var bucketCounts: [Double]
        public var window: SummaryWindow?

        init(_ series: Series, kind: SeriesKind) {
            let values = series.values
            labels = series.labels
            value = kind == .set ? Double(values.members.count) : values.value
            sum = values.sum
            count = values.count
            bounds = values.bounds
            bucketCounts = values.bucketCounts
            window = values.window
        }
    }

    public struct Family: Sendable {
        public var name: String
        public var help: String
        public var kind: SeriesKind
        public var quantiles: [Double]
        public var order: SeriesOrder
        /// In creation order, the overflow series last.
        public var series: [Values]

        /// Nil for a family without series: it is not exposed.
        init?(_ family: SeriesFamily) {
            guard family.count > 0 else { return nil }
            name = family.name
            help = family.help
            kind = family.kind
            quantiles = family.quantiles
            order = family.order
            series = []
            series.reserveCapacity(family.count)
            for s in family.list { series.append(Values(s, kind: kind)) }
            if let overflow = family.overflow { series.append(Values(overflow, kind: kind)) }
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
        var order = Array(family.series.indices)
        if family.order == .labels {
            // Indices, not the values, are moved by the sort.
            order.sort { family.series[$0].labels.lexicographicallyPrecedes(family.series[$1].labels, by: labelLess) }
        }
        var samples: [Sample] = []
        switch family.kind {
        case .counter, .gauge, .set:
            samples.reserveCapacity(order.count)
            for i in order { samples.append(Sample(labels: family.series[i].labels, value: family.series[i].value)) }
        case .histogram:
            // Series of one family usually share their bounds: their `le` labels are written once.
            var bounds: [Double] = []
            var le: [Label] = []
            let infinity = Label("le", "+Inf")
            samples.reserveCapacity(order.count * ((family.series.first?.bounds.count ?? 0) + 3))
            for i in order {
                let s = family.series[i]
                if s.bounds != bounds {
                    bounds = s.bounds
                    le = bounds.map { Label("le", LabelValue.number($0)) }
                }
                var cumulative = 0.0
                for b in 0..<min(le.count, s.bucketCounts.count) {
                    cumulative += s.bucketCounts[b]
                    samples.append(Sample(suffix: "_bucket", labels: s.labels + CollectionOfOne(le[b]), value: cumulative))
                }
                samples.append(Sample(suffix: "_bucket", labels: s.labels + CollectionOfOne(infinity), value: s.count))
                samples.append(Sample(suffix: "_sum", labels: s.labels, value: s.sum))
                samples.append(Sample(suffix: "_count", labels: s.labels, value: s.count))
            }
        case .summary:
            let labels = family.quantiles.map { Label("quantile", LabelValue.number($0)) }
            samples.reserveCapacity(order.count * (labels.count + 2))
            for i in order {
                let s = family.series[i]
                let values = s.window?.quantiles(family.quantiles, now: now) ?? []
                for (label, value) in zip(labels, values) {
                    samples.append(Sample(labels: s.labels + CollectionOfOne(label), value: value))
                }
                samples.append(Sample(suffix: "_sum", labels: s.labels, value: s.sum))
                samples.append(Sample(suffix: "_count", labels: s.labels, value: s.count))
            }
        }
        batch.append(MetricFamily(name: family.name, help: family.help, type: family.kind.metricType, samples: samples))
    }

    private static func labelLess(_ a: Label, _ b: Label) -> Bool {
        a.name != b.name ? a.name < b.name : a.value < b.value
    }
}
