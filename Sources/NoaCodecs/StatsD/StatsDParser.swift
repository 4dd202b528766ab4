import NoaCore

/// A pure parser for StatsD and DogStatsD datagrams: bytes in, one ``StatsDLine`` per result out. No I/O, no
/// Foundation, no allocation beyond the strings and tag arrays of the results.
///
/// Formats it follows:
/// - etsy/statsd `docs/metric_types.md`: `name:value|type[|@rate]` with the types `c`, `g`, `ms`, `s`; a gauge value
///   with an explicit sign (`+N`, `-N`) changes the gauge instead of setting it; set members are any text.
/// - DogStatsD datagram format (Datadog docs, "DogStatsD › Datagram Format and Shell Usage"): the types `h` and
///   `d`, tags `|#k:v,flag`, value packing `name:1:2:3|d` (protocol v1.1, every type but sets, whose members keep
///   their colons), container id `|c:<id>` (v1.2), timestamp `|T<unix seconds>` (v1.3), events
///   `_e{title.length,text.length}:title|text|...` and service checks `_sc|name|status|...`.
/// - prometheus/statsd_exporter README, "Tagging extensions": tags in the name, InfluxDB `name,k=v:1|c`, Librato
///   `name#k=v:1|c` and SignalFX `name[k=v]:1|c` (the bracket part may be anywhere in the name). As in
///   statsd_exporter, name tags and DogStatsD tags in the same line are refused (`invalid_tags`).
///
/// A bad line yields one `.error(reason)` and nothing else; the lines around it are unaffected. Unknown `|`
/// sections after the type are ignored, so newer DogStatsD fields (`|e:`, `|card:`) don't spoil a line.
public struct StatsDParser: Sendable {
    /// Lines longer than this (in bytes, without the line break) yield `.error(.lineTooLong)`.
    public let maxLineLength: Int

    public init(maxLineLength: Int = 64 * 1024) {
        self.maxLineLength = max(1, maxLineLength)
    }

    /// Parses a payload of one or more lines separated by "\n" (a trailing "\r" is dropped; empty lines skipped),
    /// calling `handle` once per result, in order. Never throws, never traps: a bad line yields `.error(reason)`
    /// and does not spoil the lines around it.
    public func parse(_ payload: UnsafeRawBufferPointer, _ handle: (StatsDLine) -> Void) {
        ByteReader.read(payload) { r in r.withBytes(r.start..<r.end) { parseLines($0, handle) } }
    }

    /// Parses the UTF-8 of `text`; a convenience for tests and tools.
    public func parse(_ text: String, _ handle: (StatsDLine) -> Void) {
        ByteReader.read(utf8: text) { r in r.withBytes(r.start..<r.end) { parseLines($0, handle) } }
    }

    func parseLines(_ bytes: StatsDScan.Bytes, _ handle: (StatsDLine) -> Void) {
        let count = bytes.count
        var lineStart = 0
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count && bytes[lineEnd] != StatsDByte.newline { lineEnd &+= 1 }
            var end = lineEnd
            if end > lineStart && bytes[end &- 1] == StatsDByte.carriageReturn { end &-= 1 }
            if end > lineStart {
                if end &- lineStart > maxLineLength {
                    handle(.error(.lineTooLong))
                } else {
                    // The line alone: its reads are checked against its own end, which the scans stop at anyway.
                    parseLine(bytes.extracting(lineStart..<end), 0, end &- lineStart, handle)
                }
            }
            lineStart = lineEnd &+ 1
        }
    }

    /// One line without its line break, `start..<end` of `b`, not empty.
    @inline(__always)
    func parseLine(_ b: StatsDScan.Bytes, _ start: Int, _ end: Int, _ handle: (StatsDLine) -> Void) {
        if b[start] == StatsDByte.underscore && end &- start >= 3 {
            if b[start &+ 1] == StatsDByte.e && b[start &+ 2] == StatsDByte.openBrace {
                handle(parseEvent(b, start, end))
                return
            }
            if b[start &+ 1] == StatsDByte.s && b[start &+ 2] == StatsDByte.c
                && (end &- start == 3 || b[start &+ 3] == StatsDByte.pipe)
            {
                handle(parseServiceCheck(b, start, end))
                return
            }
        }
        parseMetric(b, start, end, handle)
    }
}

extension StatsDParser {
    /// The parser's number scanner, for callers that recognise a line's shape themselves (the StatsD fast path):
    /// a finite decimal in `bytes[start..<end]`, rounded exactly as `Double(String)` would, or nil.
    public static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        ByteReader.read(UnsafeRawBufferPointer(bytes)) { r in r.withBytes(r.start..<r.end) { StatsDScan.number($0, start, end) } }
    }
}
