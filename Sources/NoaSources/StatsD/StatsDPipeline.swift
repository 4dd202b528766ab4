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
/// fast path that finds the series by the name's bytes (`StatsDPlainLine`, `StatsDAggregator.ingestFast`), and
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
        let bytes = payload.assumingMemoryBound(to: UInt8.self)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            if end > start { ingestLine(bytes, start, end, extra: extra) }
            start = next
        }
    }

    /// One line: the fast path when it is a plain `name:value|type` whose name was seen before, else the parser.
    private func ingestLine(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, extra: [Label]) {
        let line = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<end])
        guard extra.isEmpty, end - start <= parser.maxLineLength,
              let plain = StatsDPlainLine.scan(bytes, start, end)
        else {
            parser.parse(line) { handle($0, extra: extra) }
            return
        }
        let name = UnsafeBufferPointer(rebasing: bytes[start..<plain.nameEnd])
        if aggregator.ingestFast(name: name, type: plain.type, value: plain.value) { return }
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

    public func gather() -> MetricBatch {
        aggregator.gather()
    }
}

/// Recognises the plainest StatsD line, `name:value|type`: a name of printable ASCII with no tag syntax of any
/// style (`,` `#` `[` `]` `=` `@` `|`), one unsigned decimal value, and a type of `c`, `g`, `ms`, `h` or `d` ending
/// the line. Anything else (rates, DogStatsD sections, signed gauge deltas, sets, several values) is left to the
/// full parser, so the fast path never has to decide anything the parser decides.
struct StatsDPlainLine {
    var nameEnd: Int
    var type: StatsDMetricType
    var value: Double

    static func scan(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> StatsDPlainLine? {
        var i = start
        while i < end {
            let c = b[i]
            if c == 0x3A { break }  // ':'
            guard c > 0x20, c < 0x7F, c != 0x2C, c != 0x23, c != 0x5B, c != 0x5D, c != 0x3D, c != 0x40, c != 0x7C
            else { return nil }
            i += 1
        }
        guard i > start, i < end else { return nil }
        let nameEnd = i
        let valueStart = i + 1
        var j = valueStart
        while j < end, (b[j] >= 0x30 && b[j] <= 0x39) || b[j] == 0x2E { j += 1 }
        guard j > valueStart, j < end, b[j] == 0x7C else { return nil }  // '|'
        let typeStart = j + 1
        let type: StatsDMetricType
        switch end - typeStart {
        case 1:
            switch b[typeStart] {
            case 0x63: type = .counter  // c
            case 0x67: type = .gauge  // g
            case 0x68: type = .histogram  // h
            case 0x64: type = .distribution  // d
            default: return nil
            }
        case 2:
            guard b[typeStart] == 0x6D, b[typeStart + 1] == 0x73 else { return nil }  // ms
            type = .timer
        default:
            return nil
        }
        guard let value = StatsDParser.number(b, valueStart, j), value.isFinite else { return nil }
        return StatsDPlainLine(nameEnd: nameEnd, type: type, value: value)
    }
}
