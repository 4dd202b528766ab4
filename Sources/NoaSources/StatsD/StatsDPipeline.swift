import NoaCodecs
import NoaCore
import NoaPipeline
import NoaProcfs
import Synchronization

/// What the StatsD listeners feed: each payload is parsed and every sample aggregated on the listener's thread,
/// so a datagram costs no queue hop (UDP can only drop while the receiver is busy, and the kernel's receive
/// buffer, not an agent queue, is what absorbs bursts).
///
/// Most traffic is the same few plain lines (`name:value|type`, no rate, no tags) over and over: those take a
/// fast path that finds the series by the name's bytes (`StatsDPlainLine`, `StatsDAggregator.ingestPlainLines`), and
/// everything else, and the first line of each name, goes through the full parser.
///
/// Events and service checks are counted, and sent as log records to the log sinks wired to the source. They are
/// offered without waiting (the listener thread must not block: UDP would drop meanwhile); when the log sinks'
/// inlets are full they are counted as dropped.
public final class StatsDPipeline: StatsDIngest, MetricProducer {
    public let id: String
    public let aggregator: StatsDAggregator
    private let logOutlet = Mutex<Fanout<LogRecord>?>(nil)
    private let clock: @Sendable () -> Int64
    private let parser: StatsDParser
    /// The label that carries the sender's systemd unit (Unix datagram senders only), when configured.
    private let unitLabel: String?
    private let units: ProcessUnitResolver?

    public init(id: String, aggregator: StatsDAggregator, parser: StatsDParser = StatsDParser(),
                unitLabel: String? = nil, units: ProcessUnitResolver? = nil,
                clock: @escaping @Sendable () -> Int64 = { WallClock.nanoseconds() }) {
        self.id = id
        self.clock = clock
        self.aggregator = aggregator
        self.parser = parser
        self.unitLabel = unitLabel
        self.units = units
    }

    public func ingest(_ payload: UnsafeRawBufferPointer, origin: StatsDOrigin) {
        var extra: [Label] = []
        if let unitLabel, let pid = origin.pid, let unit = units?.unit(of: pid) {
            extra = [Label(unitLabel, unit)]
        }
        ingest(payload.assumingMemoryBound(to: UInt8.self), from: 0, extra: extra)
    }

    /// Plain lines of every datagram under one lock, in order; a datagram with another line is finished the
    /// regular way before the next one starts, so samples are still aggregated in the order they were sent.
    public func ingest(datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>, origin: StatsDOrigin) {
        if unitLabel != nil && origin.pid != nil {
            for payload in datagrams { ingest(payload, origin: origin) }
            return
        }
        var next = 0
        while next < datagrams.count {
            let stop = aggregator.ingestPlainLines(datagrams, from: next, maxLineLength: parser.maxLineLength)
            guard stop.datagram < datagrams.count else { return }
            ingest(datagrams[stop.datagram].assumingMemoryBound(to: UInt8.self), from: stop.offset, extra: [])
            next = stop.datagram + 1
        }
    }

    private func ingest(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, extra: [Label]) {
        var start = start
        while start < bytes.count {
            if extra.isEmpty {
                // Every plain line of a known name from here on, under one lock; stops at the first other line.
                start = aggregator.ingestPlainLines(bytes, from: start, maxLineLength: parser.maxLineLength)
                if start >= bytes.count { return }
            }
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            if end > start { ingestLine(bytes, start, end, extra: extra) }
            start = next
        }
    }

    /// One line the fast path did not take: parsed, and when it is a plain `name:value|type` line, its name
    /// registered for the fast path.
    private func ingestLine(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, extra: [Label]) {
        let line = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<end])
        let lineBytes = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard extra.isEmpty, end - start <= parser.maxLineLength, let plain = StatsDPlainLine.scan(lineBytes, 0)
        else {
            parser.parse(line) { handle($0, extra: extra) }
            return
        }
        let name = UnsafeBufferPointer(rebasing: lineBytes[0..<plain.nameEnd])
        parser.parse(line) { result in
            if case .metric(let sample) = result {
                aggregator.ingest(sample, extraLabels: [], fastName: name)
            } else {
                handle(result, extra: extra)
            }
        }
    }

    private func handle(_ line: StatsDLine, extra: [Label]) {
        switch line {
        case .metric(let sample): aggregator.ingest(sample, extraLabels: extra)
        case .event(let event):
            aggregator.recordEvent(event)
            forward { event.logRecord(source: id, observedAt: $0) }
        case .serviceCheck(let check):
            aggregator.recordServiceCheck(check)
            forward { check.logRecord(source: id, observedAt: $0) }
        case .error(let reason): aggregator.recordParseError(reason)
        }
    }

    /// Where events and service checks go from now on (nil: nowhere; they are still counted).
    public func setLogOutlet(_ outlet: Fanout<LogRecord>?) {
        logOutlet.withLock { $0 = outlet }
    }

    private func forward(_ record: (Int64) -> LogRecord) {
        guard let outlet = logOutlet.withLock({ $0 }) else { return }
        if outlet.trySend([record(clock())]) {
            aggregator.recordLogForwarded(dropped: false)
        } else {
            aggregator.recordLogForwarded(dropped: true)
        }
    }

    /// The aggregator's own metrics (the listeners have theirs).
    public var selfMetrics: SelfMetrics { aggregator.selfMetrics }

    /// The aggregated series and the aggregator's own metrics together, as the statsd source serves them on one
    /// endpoint; to serve them apart, gather `aggregator` (the series) and `selfMetrics`.
    public func gather() -> MetricBatch {
        var batch = aggregator.gather()
        batch.append(contentsOf: aggregator.selfMetrics.gather())
        return batch
    }
}

/// Recognises the plainest StatsD line, `name:value|type`: a name of printable ASCII with no tag syntax of any
/// style (`,` `#` `[` `]` `=` `@` `|`), one unsigned decimal value, and a type of `c`, `g`, `ms`, `h` or `d` ending
/// the line (at a newline, a CR LF, or the end of the datagram). Anything else (rates, DogStatsD sections, signed
/// gauge deltas, sets, several values) is left to the full parser, so the fast path never has to decide anything
/// the parser decides. One pass reads the line and the value; the name is hashed for `StatsDFastTable` a word at a time.
struct StatsDPlainLine {
    var nameEnd: Int
    var type: StatsDMetricType
    var value: Double
    /// `StatsDFastTable.hash` of the name and type.
    var hash: UInt64
    /// Where the line ends, before its newline (or CR LF).
    var end: Int
    /// Where the next line starts.
    var next: Int

    /// Printable ASCII but `,` `#` `:` `=` (bits of 0x00-0x3F) and `@` `[` `]` `|` (0x40-0x7F).
    private static let nameBytesLow: UInt64 = 0xdbff_eff6_0000_0000
    private static let nameBytesHigh: UInt64 = 0x6fff_ffff_d7ff_fffe

    @inline(__always)
    static func scan(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> StatsDPlainLine? {
        let count = b.count
        var i = start
        while i < count {
            let c = b[i]
            let allowed = c < 64 ? (nameBytesLow >> UInt64(c)) & 1 : c < 128 ? (nameBytesHigh >> UInt64(c &- 64)) & 1 : 0
            if allowed != 0 {
                i &+= 1
            } else if c == 0x3A {  // ':'
                break
            } else {
                return nil
            }
        }
        guard i > start, i < count else { return nil }
        let name = StatsDFastTable.nameHash(ByteWords(b.baseAddress!, count: count), from: start, to: i)
        return rest(b, start, nameEnd: i, nameHash: name)
    }

    /// `scan` for the fast path, where the name is looked up among names `scan` accepted before: it only finds
    /// the `:` (eight bytes at a time) and hashes the name on the way, without checking its bytes one by one,
    /// since a name with any byte `scan` refuses is never in the table and so never matches. The value, type and
    /// line end are read exactly as `scan` reads them.
    @inline(__always)
    static func scanKnown(_ b: UnsafeBufferPointer<UInt8>, _ start: Int) -> StatsDPlainLine? {
        guard let pointer = b.baseAddress else { return nil }
        let bytes = ByteWords(pointer, count: b.count)
        let count = b.count
        var i = start
        var h = StatsDFastTable.hashSeed
        var nameEnd = -1
        while i &+ 8 <= count {
            let word = bytes.word(at: i)
            if let k = ByteWords.firstIndex(of: 0x3A, in: word) {  // ':'
                if k > 0 { h = StatsDFastTable.mix(h, word & ((1 << UInt64(k &* 8)) &- 1)) }
                nameEnd = i &+ k
                break
            }
            h = StatsDFastTable.mix(h, word)
            i &+= 8
        }
        if nameEnd < 0 {
            let rest = i
            while i < count && bytes.byte(at: i) != 0x3A { i &+= 1 }
            guard i < count else { return nil }
            if i > rest { h = StatsDFastTable.mix(h, bytes.partialWord(from: rest, to: i)) }
            nameEnd = i
        }
        guard nameEnd > start else { return nil }
        return rest(b, start, nameEnd: nameEnd, nameHash: h ^ UInt64(truncatingIfNeeded: nameEnd &- start))
    }

    /// The line whose name is already known to end at `nameEnd` (where its `:` is): the value, type and line end,
    /// read as `scan` reads them, without hashing the name (`hash` is 0). For `StatsDFastTable.takeLines`, which
    /// found the name by its bytes.
    @inline(__always)
    static func afterName(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, nameEnd: Int) -> StatsDPlainLine? {
        rest(b, start, nameEnd: nameEnd, nameHash: 0, hashing: false)
    }

    /// The value, type and line end after the name's `:` at `nameEnd`.
    @inline(__always)
    private static func rest(
        _ b: UnsafeBufferPointer<UInt8>, _ start: Int, nameEnd: Int, nameHash h: UInt64, hashing: Bool = true
    ) -> StatsDPlainLine? {
        let count = b.count
        var i = nameEnd
        let valueStart = i &+ 1
        i = valueStart
        var mantissa: UInt64 = 0
        var digits = 0
        var sawDot = false
        while i < count {
            let c = b[i]
            let digit = c &- 0x30
            if digit < 10 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits &+= 1
            } else if c == 0x2E && !sawDot {  // '.'
                sawDot = true
            } else {
                break
            }
            i &+= 1
        }
        guard digits > 0, i < count, b[i] == 0x7C else { return nil }  // '|'
        let valueEnd = i
        let typeStart = i &+ 1
        guard typeStart < count else { return nil }
        let type: StatsDMetricType
        var end = typeStart &+ 1
        switch b[typeStart] {
        case 0x63: type = .counter  // c
        case 0x67: type = .gauge  // g
        case 0x68: type = .histogram  // h
        case 0x64: type = .distribution  // d
        case 0x6D:  // ms
            guard end < count, b[end] == 0x73 else { return nil }
            type = .timer
            end &+= 1
        default: return nil
        }
        let next: Int
        if end == count {
            next = count
        } else if b[end] == 0x0A {
            next = end &+ 1
        } else if b[end] == 0x0D, end &+ 1 == count || b[end &+ 1] == 0x0A {
            next = min(end &+ 2, count)
        } else {
            return nil
        }
        let value: Double
        if !sawDot && digits <= 15 {
            value = Double(mantissa)
        } else {
            guard let parsed = StatsDParser.number(b, valueStart, valueEnd), parsed.isFinite else { return nil }
            value = parsed
        }
        return StatsDPlainLine(
            nameEnd: nameEnd, type: type, value: value, hash: hashing ? StatsDFastTable.finish(h, type) : 0,
            end: end, next: next)
    }
}
