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

    /// The header and value lines of each section, not split into fields: for a caller that already knows a
    /// header's layout (headers do not change while the kernel runs) and reads a few values with `values`.
    public static func linePairs(_ text: String) -> [(header: Substring, values: Substring, valueLine: Int)] {
        var result: [(header: Substring, values: Substring, valueLine: Int)] = []
        result.reserveCapacity(8)
        var pending: (line: Substring, number: Int)? = nil
        var number = 0
        let utf8 = text.utf8
        var start = utf8.startIndex
        var blank = true
        var i = utf8.startIndex
        // Split on the UTF-8 view (see `procLines`); whitespace-only lines are skipped, as `sections` skips them.
        while true {
            let atEnd = i == utf8.endIndex
            if atEnd || utf8[i] == 0x0A {
                if atEnd && start == i { break }
                number += 1
                if !blank {
                    let line = text[start..<i]
                    if let header = pending {
                        result.append((header.line, line, number))
                        pending = nil
                    } else {
                        pending = (line, number)
                    }
                }
                if atEnd { break }
                start = utf8.index(after: i)
                blank = true
            } else if utf8[i] != 0x20 && utf8[i] != 0x09 {
                blank = false
            }
            utf8.formIndex(after: &i)
        }
        if let header = pending { result.append((header.line, header.line.prefix(0), header.number + 1)) }
        return result
    }

    /// The values at `indices` (ascending, counted after the `Proto:` field) of a section's value line, which must
    /// have `fieldCount` fields after its `Proto:`; only those values are converted.
    public static func values(
        _ line: Substring, at indices: [Int], fieldCount: Int, file: String, lineNumber: Int
    ) throws(ParseError) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(indices.count)
        var field = -2  // the Proto: field becomes -1, the first value 0
        var next = 0
        var start: Substring.UTF8View.Index? = nil
        let utf8 = line.utf8
        var i = utf8.startIndex
        func close(_ end: Substring.UTF8View.Index) throws(ParseError) {
            if next < indices.count && indices[next] == field {
                let text = Substring(utf8[start!..<end])
                guard let value = ProcNumber.double(text) else {
                    throw ParseError(file: file, reason: "value \"\(text)\" is not a number", line: lineNumber)
                }
                result.append(value)
                next += 1
            }
        }
        while i != utf8.endIndex {
            let byte = utf8[i]
            if byte == 0x20 || byte == 0x09 {
                if start != nil {
                    try close(i)
                    start = nil
                }
            } else if start == nil {
                start = i
                field += 1
            }
            utf8.formIndex(after: &i)
        }
        if start != nil { try close(utf8.endIndex) }
        guard field + 2 == fieldCount, next == indices.count else {
            throw ParseError(
                file: file, reason: "header and value lines do not match (\(fieldCount) vs \(field + 2) fields)",
                line: lineNumber)
        }
        return result
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
