import NoaCodecs

/// The fast path's table: the raw bytes of a plain StatsD name (no tags of any style) and its type, to the series
/// that name's untagged samples update, so a repeated `name:value|type` line costs one byte hash and one probe
/// instead of a `String`, a mapping lookup and a label-set lookup.
///
/// Open addressing with linear probing over a power-of-two array; full at half its slots, after which new names
/// simply take the regular path. Entries are only ever added by the regular path, after it has aggregated a sample
/// of that name (so mapping, type conflicts and caps were already decided), and the whole table is cleared when
/// any series or family is removed (TTL expiry), since an entry may point at it.
struct StatsDFastTable {
    struct Entry {
        var hash: UInt64
        var name: [UInt8]
        var type: StatsDMetricType
        let resolution: StatsDResolution
        let series: StatsDSeries
    }

    private var slots: [Entry?]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: nil, count: size)
        mask = size - 1
    }

    /// FNV-1a over the name bytes, mixed with the type: cheap for the short keys StatsD names are.
    static func hash(_ name: UnsafeBufferPointer<UInt8>, _ type: StatsDMetricType) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        h ^= UInt64(StatsDAggregatorState.index(type) &+ 1) &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 29)
    }

    func lookup(_ name: UnsafeBufferPointer<UInt8>, _ type: StatsDMetricType, hash: UInt64) -> Entry? {
        var i = Int(truncatingIfNeeded: hash) & mask
        while let entry = slots[i] {
            if entry.hash == hash, entry.type == type, entry.name.count == name.count,
               entry.name.withUnsafeBufferPointer({ memoryEqual($0, name) }) {
                return entry
            }
            i = (i &+ 1) & mask
        }
        return nil
    }

    mutating func insert(_ entry: Entry) {
        guard count * 2 < slots.count else { return }
        var i = Int(truncatingIfNeeded: entry.hash) & mask
        while let existing = slots[i] {
            if existing.hash == entry.hash && existing.type == entry.type && existing.name == entry.name { return }
            i = (i &+ 1) & mask
        }
        slots[i] = entry
        count += 1
    }

    mutating func removeAll() {
        guard count > 0 else { return }
        for i in slots.indices { slots[i] = nil }
        count = 0
    }

    private func memoryEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return a.count == b.count }
        return memcmp(pa, pb, a.count) == 0
    }
}

#if canImport(Glibc)
import Glibc
#endif
