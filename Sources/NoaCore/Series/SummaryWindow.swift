/// A bounded-memory quantile estimator over a sliding window: the value of a summary series (StatsD timers and
/// distributions mapped to summaries).
///
/// The window (statsd_exporter's `max_age`, default 10 minutes) is cut into `ageBuckets` (default 5) slots by
/// epoch of the injected time: an observation goes into the slot of the current epoch, and a query merges the slots
/// of the last `ageBuckets` epochs, so observations leave the window between `maxAge - maxAge/ageBuckets` and
/// `maxAge` after they were made. Each slot keeps at most `bufCap` (default 500) observations: below that quantiles
/// are exact; above it the slot keeps a uniform reservoir sample (Vitter's algorithm R), so memory per series is
/// bounded by `ageBuckets * bufCap` values whatever the rate. Observations carry a weight (1/sample rate), and
/// a quantile is the smallest kept value whose cumulative weight reaches `q` of the total.
///
/// This differs from client_golang's CKMS streams (used by statsd_exporter), which guarantee a configured rank
/// error: here the error is 0 up to `bufCap` observations per slot and a sampling error above it (for 500 values,
/// a standard error of rank about 0.02 at the median).
///
/// Time is whatever the owner passes as `now` (seconds on a monotonic clock), never read here, so tests move it by
/// hand.
public struct SummaryWindow: Sendable {
    /// The window's shape (statsd_exporter's `summary_options` without the quantiles).
    public struct Options: Sendable, Equatable {
        /// The sliding window's length in seconds.
        public var maxAge: Double
        public var ageBuckets: Int
        /// The most observations kept per age bucket; beyond it a uniform sample of them is kept.
        public var bufCap: Int

        public init(maxAge: Double = 600, ageBuckets: Int = 5, bufCap: Int = 500) {
            self.maxAge = maxAge
            self.ageBuckets = ageBuckets
            self.bufCap = bufCap
        }
    }

    private struct Slot: Sendable {
        var epoch: Int64 = .min
        var values: [Double] = []
        var weights: [Double] = []
        var seen: Int = 0
    }

    private let width: Double
    private let capacity: Int
    private var slots: [Slot]
    private var random: UInt64

    /// `seed` chooses which observations a full slot keeps.
    public init(options: Options, seed: UInt64) {
        let ageBuckets = max(1, options.ageBuckets)
        self.width = max(options.maxAge, 0.001) / Double(ageBuckets)
        self.capacity = max(1, options.bufCap)
        self.slots = Array(repeating: Slot(), count: ageBuckets)
        self.random = seed | 1
    }

    private func epoch(_ now: Double) -> Int64 { Int64((now / width).rounded(.down)) }

    public mutating func observe(_ value: Double, weight: Double, now: Double) {
        let current = epoch(now)
        let index = Int(UInt64(bitPattern: current) % UInt64(slots.count))
        if slots[index].epoch != current {
            slots[index].epoch = current
            slots[index].values.removeAll(keepingCapacity: true)
            slots[index].weights.removeAll(keepingCapacity: true)
            slots[index].seen = 0
        }
        slots[index].seen += 1
        if slots[index].values.count < capacity {
            slots[index].values.append(value)
            slots[index].weights.append(weight)
        } else {
            // xorshift64: cheap, and good enough to choose which kept value to replace.
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            let j = Int(random % UInt64(slots[index].seen))
            if j < capacity {
                slots[index].values[j] = value
                slots[index].weights[j] = weight
            }
        }
    }

    /// The value at each quantile (NaN when the window is empty, as client_golang reports it).
    public func quantiles(_ qs: [Double], now: Double) -> [Double] {
        let current = epoch(now)
        var pairs: [(Double, Double)] = []
        for slot in slots where slot.epoch <= current && slot.epoch > current - Int64(slots.count) {
            for i in slot.values.indices { pairs.append((slot.values[i], slot.weights[i])) }
        }
        guard !pairs.isEmpty else { return qs.map { _ in .nan } }
        pairs.sort { $0.0 < $1.0 }
        let total = pairs.reduce(0) { $0 + $1.1 }
        return qs.map { q in
            let target = q * total
            var cumulative = 0.0
            for (value, weight) in pairs {
                cumulative += weight
                if cumulative >= target { return value }
            }
            return pairs[pairs.count - 1].0
        }
    }
}
