/// One protocol counter of `/proc/net/netstat`, `/proc/net/snmp` or `/proc/net/snmp6`.
public struct NetstatCounter: Sendable, Equatable {
    /// The protocol as node_exporter names it: `Tcp`, `TcpExt`, `IpExt`, `Ip6`, `Udp6`...
    public var proto: String
    /// The field, such as `InSegs`.
    public var field: String
    /// The value; a few fields are signed (`Tcp: MaxConn` is -1).
    public var value: Double

    public init(proto: String, field: String, value: Double) {
        self.proto = proto
        self.field = field
        self.value = value
    }
}

/// Parsers for the kernel's SNMP MIB files (`net/ipv4/proc.c`, `net/ipv6/proc.c`).
public enum Netstat {
    /// One header/value line pair of `/proc/net/netstat` or `/proc/net/snmp`, checked for shape but with its values
    /// not yet converted, so a caller that keeps few fields converts only those.
    public struct Section: Sendable {
        /// The whole header line, the same from scrape to scrape: a good cache key for per-field decisions.
        public var headerLine: Substring
        /// The protocol without its colon: `TcpExt`.
        public var proto: Substring
        /// Field names; `names[k]` belongs to `values[k]`.
        public var names: [Substring]
        public var values: [Substring]
        /// 1-based line number of the value line, for errors.
        public var valueLine: Int
        public var file: String

        /// The value of field `k` as a number.
        public func value(_ k: Int) throws(ParseError) -> Double {
            guard let value = ProcNumber.double(values[k]) else {
                throw ParseError(file: file, reason: "value \"\(values[k])\" is not a number", line: valueLine)
            }
            return value
        }
    }

    /// Splits `/proc/net/netstat` or `/proc/net/snmp` into sections: pairs of lines, a header `Proto: Name1 Name2 ...`
    /// and a value line `Proto: 1 2 ...` with the same prefix and as many fields.
    public static func sections(_ text: String, file: String = "/proc/net/netstat") throws(ParseError) -> [Section] {
        let lines = text.procLines()
        var result: [Section] = []
        var index = 0
        while index < lines.count {
            let header = lines[index].procFields()
            if header.isEmpty { index += 1; continue }
            guard index + 1 < lines.count else {
                throw ParseError(file: file, reason: "header without a value line", line: index + 1)
            }
            let values = lines[index + 1].procFields()
            guard header.count == values.count, header[0] == values[0], header[0].hasSuffix(":") else {
                throw ParseError(
                    file: file, reason: "header and value lines do not match (\(header.count) vs \(values.count) fields)",
                    line: index + 2)
            }
            result.append(Section(
                headerLine: lines[index], proto: header[0].dropLast(), names: Array(header.dropFirst()),
                values: Array(values.dropFirst()), valueLine: index + 2, file: file))
            index += 2
        }
        return result
    }

    /// The lines of a file's bytes that are not blank (space and tab only), with their 1-based line numbers.
    public static func lines(_ bytes: [UInt8]) -> [(range: Range<Int>, number: Int)] {
        var result: [(range: Range<Int>, number: Int)] = []
        result.reserveCapacity(16)
        var start = 0
        var blank = true
        var number = 0
        for i in 0...bytes.count {
            if i == bytes.count || bytes[i] == 0x0A {
                if i == bytes.count && start == i { break }
                number += 1
                if !blank { result.append((start..<i, number)) }
                start = i + 1
                blank = true
            } else if bytes[i] != 0x20 && bytes[i] != 0x09 {
                blank = false
            }
        }
        return result
    }

    /// The header and value lines of each section (as `sections` pairs them), not split into fields: for a
    /// caller that already knows a header's layout (headers do not change while the kernel runs) and reads a
    /// few values with `values`. A header without a value line gets an empty one.
    public static func linePairs(
        _ bytes: [UInt8]
    ) -> [(header: Range<Int>, values: Range<Int>, valueLine: Int)] {
        let all = lines(bytes)
        return stride(from: 0, to: all.count, by: 2).map { k in
            k + 1 < all.count
                ? (all[k].range, all[k + 1].range, all[k + 1].number)
                : (all[k].range, all[k].range.upperBound..<all[k].range.upperBound, all[k].number + 1)
        }
    }

    /// The values at `indices` (ascending, counted after the `Proto:` field) of the value line at `line` in
    /// `bytes`, which must have `fieldCount` fields in all; only those values are converted.
    public static func values(
        _ bytes: [UInt8], line: Range<Int>, at indices: [Int], fieldCount: Int, file: String,
        lineNumber: Int
    ) throws(ParseError) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(indices.count)
        var field = -2  // the Proto: field becomes -1, the first value 0
        var next = 0
        var start = -1
        for i in line.lowerBound...line.upperBound {
            let separator = i == line.upperBound || bytes[i] == 0x20 || bytes[i] == 0x09
            if !separator {
                if start < 0 {
                    start = i
                    field += 1
                }
                continue
            }
            guard start >= 0 else { continue }
            if next < indices.count && indices[next] == field {
                guard let value = number(bytes, start..<i) else {
                    let text = String(decoding: bytes[start..<i], as: UTF8.self)
                    throw ParseError(file: file, reason: "value \"\(text)\" is not a number", line: lineNumber)
                }
                result.append(value)
                next += 1
            }
            start = -1
        }
        guard field + 2 == fieldCount, next == indices.count else {
            throw ParseError(
                file: file, reason: "header and value lines do not match (\(fieldCount) vs \(field + 2) fields)",
                line: lineNumber)
        }
        return result
    }

    /// A counter's bytes as a number: an optionally negative decimal integer read directly (what the kernel
    /// prints), anything else through `ProcNumber.double`.
    public static func number(_ bytes: [UInt8], _ range: Range<Int>) -> Double? {
        var i = range.lowerBound
        let negative = i < range.upperBound && bytes[i] == 0x2D
        if negative { i += 1 }
        var value: UInt64 = 0
        var digits = 0
        while i < range.upperBound, bytes[i] &- 0x30 < 10, digits < 19 {
            value = value * 10 + UInt64(bytes[i] &- 0x30)
            digits += 1
            i += 1
        }
        if i == range.upperBound && digits > 0 { return negative ? -Double(value) : Double(value) }
        let text = String(decoding: bytes[range], as: UTF8.self)
        return ProcNumber.double(Substring(text))
    }

    /// Parses `/proc/net/netstat` or `/proc/net/snmp` into every counter.
    public static func parsePaired(_ text: String, file: String = "/proc/net/netstat") throws(ParseError) -> [NetstatCounter] {
        var result: [NetstatCounter] = []
        result.reserveCapacity(256)
        for section in try sections(text, file: file) {
            let proto = String(section.proto)
            for k in section.names.indices {
                result.append(NetstatCounter(proto: proto, field: String(section.names[k]), value: try section.value(k)))
            }
        }
        return result
    }

    /// Parses `/proc/net/snmp6`: one `Ip6InOctets 123` pair per line. The protocol is the name up to and
    /// including its first `6` (`Ip6`, `Icmp6`, `Udp6`, `UdpLite6`), as node_exporter splits it.
    public static func parseSNMP6(_ text: String) throws(ParseError) -> [NetstatCounter] {
        var result: [NetstatCounter] = []
        result.reserveCapacity(128)
        var lineNumber = 0
        for line in text.procLines() {
            lineNumber += 1
            let fields = line.procFields()
            if fields.isEmpty { continue }
            guard fields.count == 2 else {
                throw ParseError(file: "/proc/net/snmp6", reason: "expected 2 fields, found \(fields.count)", line: lineNumber)
            }
            let name = fields[0]
            guard let six = name.firstIndex(of: "6") else {
                // Per-ICMP-type counters such as "Icmp6InType1" all have a 6; anything else is not a MIB name.
                throw ParseError(file: "/proc/net/snmp6", reason: "name \"\(name)\" has no protocol prefix", line: lineNumber)
            }
            let split = name.index(after: six)
            guard let value = ProcNumber.double(fields[1]) else {
                throw ParseError(file: "/proc/net/snmp6", reason: "value \"\(fields[1])\" is not a number", line: lineNumber)
            }
            result.append(NetstatCounter(proto: String(name[..<split]), field: String(name[split...]), value: value))
        }
        return result
    }
}
