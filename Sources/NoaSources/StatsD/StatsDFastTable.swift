import NoaCodecs
import NoaCore

/// The fast path's table: the raw bytes of a plain StatsD name (no tags of any style) and its type, to the series
/// that name's untagged samples update, so a repeated `name:value|type` line costs one byte hash and one probe
/// instead of a `String`, a mapping lookup and a label-set lookup.
///
/// Open addressing with linear probing over a power-of-two array; full at half its slots, after which new names
/// simply take the regular path. Entries are only ever added by the regular path, after it has aggregated a sample
/// of that name (so mapping, type conflicts and caps were already decided), and the whole table is cleared when
/// any series or family is removed (TTL expiry), since an entry may point at it.
///
/// A slot holds only plain values (the name as a range of one shared byte array, the `SeriesHandle` of the store's
/// series it updates), so a probe and an update copy nothing and retain nothing: with reference-counted entries,
/// the retains and releases were a third of the whole receive thread's time. `owners` keeps every series a slot
/// points at alive for as long as the slot can be used; the aggregator also clears the table whenever the store
/// removes a series, so no slot updates a series that is no longer exposed.
///
/// Each slot also remembers which slot's line came right after its own last time (`next`). StatsD clients send
/// their names in a stable order (a fixed list of calls, or the same map flushed each interval), so the line after
/// a known one is usually the name that followed it before: `takeLines` compares that name's bytes in place and
/// spares the hash and the probe. A wrong guess costs one comparison, and the line takes the hashed lookup.
struct StatsDFastTable {
    /// What an update needs, without a single reference count.
    struct Slot {
        var hash: UInt64 = 0
        var nameStart: Int32 = 0
        /// -1: an empty slot.
        var nameCount: Int32 = -1
        var type: StatsDMetricType = .counter
        var kind: SeriesKind = .counter
        /// The slot of the line that followed this one's last time, or -1.
        var next: Int32 = -1
        var scale: Double = 1
        var series: SeriesHandle?
    }

    private var slots: [Slot]
    private var names: [UInt8] = []
    private var owners: [Series] = []
    private var mask: Int
    /// The most slots the table grows to: twice the capacity, as a power of two.
    private let maxSlots: Int
    private(set) var count = 0
    /// The slot of the last line `takeLines` took, or -1.
    private var cursor = -1

    /// The table starts small and doubles as names arrive: a few hundred names then sit in a few kilobytes
    /// that stay in the cache, where slots sized for the full capacity (megabytes) made nearly every probe a
    /// cache miss after the receive thread's pauses.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        maxSlots = size
        slots = Array(repeating: Slot(), count: 16)
        mask = 15
    }

    /// A hash of the name bytes eight at a time (a multiply-xorshift per word), mixed with the type: the names are
    /// short, and a byte-serial hash such as FNV-1a was the single largest cost of the fast path.
    static func hash(_ name: UnsafeBufferPointer<UInt8>, _ type: StatsDMetricType) -> UInt64 {
        guard let base = name.baseAddress else { return finish(hashSeed, type) }  // nameHash of no bytes
        return finish(nameHash(ByteWords(base, count: name.count), from: 0, to: name.count), type)
    }

    static let hashSeed: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// One step of the name hash: a word of up to eight name bytes (little-endian, missing bytes zero).
    @inline(__always)
    static func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let m = (h ^ word) &* 0xff51_afd7_ed55_8ccd
        return m ^ (m >> 32)
    }

    /// The hash before `finish` of the name in `bytes` from `start` to `end`: `mix` over its whole words, then over
    /// the rest, then the length. `StatsDPlainLine.scanKnown` computes the same while it looks for the name's end.
    @inline(__always)
    static func nameHash(_ bytes: ByteWords, from start: Int, to end: Int) -> UInt64 {
        var h = hashSeed
        var i = start
        while i &+ 8 <= end {
            h = mix(h, bytes.word(at: i))
            i &+= 8
        }
        if i < end { h = mix(h, bytes.partialWord(from: i, to: end)) }
        return h ^ UInt64(truncatingIfNeeded: end &- start)
    }

    @inline(__always)
    static func finish(_ nameHash: UInt64, _ type: StatsDMetricType) -> UInt64 {
        // A full avalanche (MurmurHash3's fmix64): the table indexes by the low bits, and without it the bytes
        // where names differ (`bench.counter.17`: the last ones, the high bits of the last word) never reach them,
        // so such names all collided.
        var h = nameHash ^ (UInt64(StatsDAggregatorState.index(type) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 33)
    }

    /// The slot of `name` and `type`, if registered.
    @inline(__always)
    func lookup(_ name: UnsafeBufferPointer<UInt8>, _ type: StatsDMetricType, hash: UInt64) -> Slot? {
        let i = index(of: name, type, hash: hash)
        return i < 0 ? nil : slots[i]
    }

    /// The index of the slot of `name` and `type`, or -1.
    @inline(__always)
    func index(of name: UnsafeBufferPointer<UInt8>, _ type: StatsDMetricType, hash: UInt64) -> Int {
        guard count > 0, let base = name.baseAddress else { return -1 }
        return slots.withUnsafeBufferPointer { slots in
            names.withUnsafeBufferPointer { names in
                Self.probe(
                    slots, names: ByteWords(names.baseAddress!, count: names.count), mask: mask,
                    ByteWords(base, count: name.count), at: 0, length: name.count, type, hash)
            }
        }
    }

    /// Linear probing from `hash` for the `length` bytes at `offset` of `name`, and `type`, over raw slots and
    /// names: the slot's index, or -1. The table is not empty.
    @inline(__always)
    private static func probe(
        _ slots: UnsafeBufferPointer<Slot>, names: ByteWords, mask: Int,
        _ name: ByteWords, at offset: Int, length: Int, _ type: StatsDMetricType, _ hash: UInt64
    ) -> Int {
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[i]
            if slot.nameCount < 0 { return -1 }
            if slot.hash == hash, slot.type == type, Int(slot.nameCount) == length,
               names.equals(name, at: Int(slot.nameStart), offset, length: length) {
                return i
            }
            i = (i &+ 1) & mask
        }
    }

    /// The fast path's loop over one datagram: every plain line from `start` on whose name and type are in the
    /// table, in order, aggregated into its slot's series (`StatsDAggregatorState.update`) and counted in `tally`
    /// (one count per `StatsDMetricType`, by `StatsDAggregatorState.index`); stops at the first other line and
    /// returns where it starts (`b.count` when it took them all). The slots and names are walked through raw
    /// pointers, taken once per datagram: per line, the array accesses' checks were as many instructions as the
    /// lookup itself.
    @inline(__always)
    mutating func takeLines(
        _ b: UnsafeBufferPointer<UInt8>, from start: Int, maxLineLength: Int, now: Double, tally: inout StatsDTally
    ) -> Int {
        var cursor = self.cursor
        let mask = self.mask
        guard count > 0 else { return start }
        guard let datagram = b.baseAddress else { return start }
        let bytes = ByteWords(datagram, count: b.count)
        let stop = names.withUnsafeBufferPointer { names in
            slots.withUnsafeMutableBufferPointer { slots in
                let names = ByteWords(names.baseAddress!, count: names.count)
                var start = start
                while start < b.count {
                    if b[start] == 0x0A {
                        start &+= 1
                        continue
                    }
                    // The name that followed the last line's last time, when its bytes and a ':' are here.
                    var i = -1
                    if cursor >= 0 {
                        let guess = Int(slots[cursor].next)
                        if guess >= 0 {
                            let colon = start &+ Int(slots[guess].nameCount)
                            if colon < b.count, b[colon] == 0x3A,
                               names.equals(bytes, at: Int(slots[guess].nameStart), start, length: colon &- start) {
                                i = guess
                            }
                        }
                    }
                    let line: StatsDPlainLine
                    var hash: UInt64
                    if i >= 0 {
                        guard let known = StatsDPlainLine.afterName(b, start, nameEnd: start &+ Int(slots[i].nameCount))
                        else { return start }
                        line = known
                        hash = slots[i].hash
                        if slots[i].type != line.type {
                            hash = Self.finish(Self.nameHash(bytes, from: start, to: line.nameEnd), line.type)
                            i = -1
                        }
                    } else {
                        guard let scanned = StatsDPlainLine.scanKnown(b, start) else { return start }
                        line = scanned
                        hash = line.hash
                    }
                    if i < 0 {
                        i = Self.probe(
                            UnsafeBufferPointer(slots), names: names, mask: mask, bytes, at: start,
                            length: line.nameEnd &- start, line.type, hash)
                    }
                    guard i >= 0, line.end &- start <= maxLineLength, slots[i].series != nil else { return start }
                    if cursor >= 0 && slots[cursor].next != Int32(truncatingIfNeeded: i) {
                        slots[cursor].next = Int32(truncatingIfNeeded: i)
                    }
                    cursor = i
                    tally.count(line.type)
                    StatsDAggregatorState.update(
                        slots[i].series.unsafelyUnwrapped, kind: slots[i].kind, number: line.value * slots[i].scale,
                        type: line.type, now: now)
                    start = line.next
                }
                return start
            }
        }
        self.cursor = cursor
        return stop
    }

    mutating func insert(
        name: UnsafeBufferPointer<UInt8>, hash: UInt64, type: StatsDMetricType, scale: Double,
        series: Series, kind: SeriesKind
    ) {
        guard !name.isEmpty, names.count + name.count < Int(Int32.max) else { return }
        if lookup(name, type, hash: hash) != nil { return }
        if (count + 1) * 2 > slots.count {
            guard slots.count < maxSlots else { return }
            grow()
        }
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i].nameCount >= 0 { i = (i &+ 1) & mask }
        slots[i] = Slot(
            hash: hash, nameStart: Int32(names.count), nameCount: Int32(name.count), type: type, kind: kind,
            scale: scale, series: series.handle)
        names.append(contentsOf: name)
        owners.append(series)
        count += 1
    }

    /// Doubles the slots and places every entry again (names and owners stay where they are). Slot indexes
    /// change, so the successor links start over.
    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for var slot in old where slot.nameCount >= 0 {
            var i = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[i].nameCount >= 0 { i = (i &+ 1) & mask }
            slot.next = -1
            slots[i] = slot
        }
        cursor = -1
    }

    mutating func removeAll() {
        guard count > 0 else { return }
        for i in slots.indices { slots[i] = Slot() }
        names.removeAll(keepingCapacity: true)
        owners.removeAll(keepingCapacity: true)
        count = 0
        cursor = -1
    }
}
