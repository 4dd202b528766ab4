import NoaCore

/// The byte-level primitives of ``StatsDParser``: strings, numbers, integers and tag lists over `start..<end` of
/// a line's UTF-8 bytes, without creating a `String` unless the result is one.
enum StatsDScan {
    /// A payload's bytes, borrowed; reads are bounds-checked.
    typealias Bytes = Swift.Span<UInt8>

    /// The first index in `start..<end` holding `byte`, or `end`.
    @inline(__always)
    static func find(_ byte: UInt8, _ b: Bytes, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i < end && b[i] != byte { i &+= 1 }
        return i
    }

    /// The bytes `start..<end` as a `String`, or nil if they are not valid UTF-8: checked once by the standard
    /// library's validator and copied without a second look (cheaper here than a scan for ASCII followed by
    /// `String(decoding:)`: bench/codec_cost.sh statsd-dogstatsd).
    @inline(__always)
    static func string(_ b: Bytes, _ start: Int, _ end: Int) -> String? {
        guard let text = try? UTF8Span(validating: b.extracting(start..<end)) else { return nil }
        return String(copying: text)
    }

    /// Like ``string(_:_:_:)``, turning each two-byte `\n` escape into a newline (DogStatsD event title and text).
    static func unescapedString(_ b: Bytes, _ start: Int, _ end: Int) -> String? {
        var i = start
        while i &+ 1 < end {
            if b[i] == StatsDByte.backslash && b[i &+ 1] == StatsDByte.n { break }
            i &+= 1
        }
        if i &+ 1 >= end { return string(b, start, end) }
        var out: [UInt8] = []
        out.reserveCapacity(end &- start)
        var j = start
        while j < end {
            if j &+ 1 < end && b[j] == StatsDByte.backslash && b[j &+ 1] == StatsDByte.n {
                out.append(StatsDByte.newline)
                j &+= 2
            } else {
                out.append(b[j])
                j &+= 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Exact powers of ten: every one up to 1e22 is a Double, so `mantissa / 10^k` rounds correctly.
    private static let powersOfTen: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// A finite decimal number: `[+-]digits[.digits]`, or with an exponent. NaN, infinities and hexadecimal
    /// floats are refused as text, and overflow to infinity is refused as a value.
    ///
    /// Fast path: up to 15 significant digits (below 2^53, so the integer is exact) divided by an exact power of
    /// ten is correctly rounded (Clinger's fast path), with no `String` made. Anything else goes to `Double(_:)`.
    static func number(_ b: Bytes, _ start: Int, _ end: Int) -> Double? {
        guard start < end else { return nil }
        var i = start
        var negative = false
        if b[i] == StatsDByte.minus {
            negative = true
            i &+= 1
        } else if b[i] == StatsDByte.plus {
            i &+= 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDot = false
        while i < end {
            let digit = b[i] &- StatsDByte.zero
            if digit < 10 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits &+= 1
                if sawDot { fractionDigits &+= 1 }
            } else if b[i] == StatsDByte.dot && !sawDot {
                sawDot = true
            } else {
                break
            }
            i &+= 1
        }
        if i == end && digits > 0 && digits <= 15 {
            let value = Double(mantissa) / powersOfTen[fractionDigits]
            return negative ? -value : value
        }
        return slowNumber(b, start, end)
    }

    private static func slowNumber(_ b: Bytes, _ start: Int, _ end: Int) -> Double? {
        // Only the characters of a decimal float reach Double(_:), which would also take "nan", "inf", "0x1p3".
        for i in start..<end {
            let c = b[i]
            let allowed = (c &- StatsDByte.zero) < 10 || c == StatsDByte.dot || c == StatsDByte.plus
                || c == StatsDByte.minus || c == StatsDByte.e || c == StatsDByte.upperE
            if !allowed { return nil }
        }
        // The bytes were just checked to be ASCII.
        guard let text = string(b, start, end), let value = Double(text),
            value.isFinite
        else { return nil }
        return value
    }

    /// Non-negative integer seconds, digits only, without overflow.
    static func timestamp(_ b: Bytes, _ start: Int, _ end: Int) -> Int64? {
        guard start < end, end &- start <= 18 else { return nil }  // 18 digits cannot overflow Int64
        var value: Int64 = 0
        for i in start..<end {
            let digit = b[i] &- StatsDByte.zero
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
        }
        return value
    }

    /// DogStatsD tags `k:v,flag,k2:v:with:colons` (datagram format docs): the first colon splits a tag; a tag
    /// without one has an empty value; empty elements (`a,,b`, a trailing comma) are skipped. A tag with an empty
    /// name (`:v`) is `invalid_tags`.
    static func dogStatsDTags(_ b: Bytes, _ start: Int, _ end: Int, into tags: inout [Label]) -> StatsDParseError? {
        var s = start
        while s < end {
            let e = find(StatsDByte.comma, b, s, end)
            if s < e {
                let colon = find(StatsDByte.colon, b, s, e)
                if colon == s { return .invalidTags }
                guard let name = string(b, s, colon) else { return .invalidUTF8 }
                let value: String
                if colon < e {
                    guard let v = string(b, colon &+ 1, e) else { return .invalidUTF8 }
                    value = v
                } else {
                    value = ""
                }
                tags.append(Label(name, value))
            }
            s = e &+ 1
        }
        return nil
    }

    /// statsd_exporter name tags `k=v,k2=v2` (InfluxDB, Librato and SignalFX styles share this list syntax). Unlike
    /// statsd_exporter, which drops a malformed tag and keeps the line, a section that is empty, has an empty
    /// element, a tag without `=`, or an empty name or value is `invalid_tags` for the whole line: half a tag set
    /// would make a different series.
    static func nameTags(_ b: Bytes, _ start: Int, _ end: Int, into tags: inout [Label]) -> StatsDParseError? {
        guard start < end else { return .invalidTags }
        var s = start
        while s <= end {
            let e = find(StatsDByte.comma, b, s, end)
            let equals = find(StatsDByte.equals, b, s, e)
            guard s < equals, equals &+ 1 < e else { return .invalidTags }
            guard let name = string(b, s, equals), let value = string(b, equals &+ 1, e) else { return .invalidUTF8 }
            tags.append(Label(name, value))
            s = e &+ 1
        }
        return nil
    }
}
