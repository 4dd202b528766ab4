/// `/proc/net/sockstat` and `/proc/net/sockstat6` (kernel `net/ipv4/proc.c` `sockstat_seq_show`,
/// `net/ipv6/proc.c` `sockstat6_seq_show`):
///
///     sockets: used 35
///     TCP: inuse 1 orphan 0 tw 1 alloc 1 mem 6
///     FRAG: inuse 0 memory 0
///
/// Each line is a protocol and `key value` pairs. `mem` values are in pages; `FRAG memory` is in bytes.
public struct Sockstat: Sendable, Equatable {
    /// One protocol line: `TCP`, `UDP6`, `sockets`...
    public struct Line: Sendable, Equatable {
        public var proto: String
        public var pairs: [(key: String, value: Double)]

        public init(proto: String, pairs: [(key: String, value: Double)]) {
            self.proto = proto
            self.pairs = pairs
        }

        public static func == (a: Line, b: Line) -> Bool {
            a.proto == b.proto && a.pairs.count == b.pairs.count
                && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }
    }

    public var lines: [Line]

    public init(lines: [Line]) {
        self.lines = lines
    }

    /// Parses the content of `sockstat` or `sockstat6`.
    public static func parse(_ text: String, file: String = "/proc/net/sockstat") throws(ParseError) -> Sockstat {
        var lines: [Line] = []
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields[0].hasSuffix(":"), fields.count >= 3, fields.count % 2 == 1 else {
                throw ParseError(file: file, reason: "expected \"PROTO: key value ...\"", line: lineNumber)
            }
            var pairs: [(key: String, value: Double)] = []
            var k = 1
            while k + 1 < fields.count {
                guard let value = ProcNumber.double(fields[k + 1]) else {
                    throw ParseError(file: file, reason: "value \"\(fields[k + 1])\" is not a number", line: lineNumber)
                }
                pairs.append((String(fields[k]), value))
                k += 2
            }
            lines.append(Line(proto: String(fields[0].dropLast()), pairs: pairs))
        }
        return Sockstat(lines: lines)
    }
}
