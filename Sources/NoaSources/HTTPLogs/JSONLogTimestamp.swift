import NoaCodecs
/// Timestamps as JSON loggers write them, to nanoseconds since the epoch.
///
/// - Strings: RFC 3339 (`2026-11-27T16:40:49.123Z`, `…+02:00`, a space instead of `T`, up to 9 fraction digits),
///   what winston's `timestamp()` format and most loggers write; a string of digits is read as a number.
/// - Numbers: epoch time whose unit is told by its size, since loggers disagree (pino and bunyan: milliseconds,
///   Python's `time.time()`: seconds with a fraction): below 1e11 seconds, below 1e14 milliseconds, below 1e17
///   microseconds, else nanoseconds. 1e11 seconds is the year 5138 and 1e11 milliseconds March 1973, so only
///   times before 1973 written in a finer unit are misread.
public enum JSONLogTimestamp {
    public static func nanoseconds(fromNumber value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value < 9.2e18 else { return nil }
        let unit: Int64
        switch value {
        case ..<1e11: unit = 1_000_000_000
        case ..<1e14: unit = 1_000_000
        case ..<1e17: unit = 1_000
        default: return Int64(value)
        }
        // The whole units and the fraction apart, the fraction rounded to a thousandth of the unit: a double holds
        // about 16 digits, so `1795797649.123 * 1e9` would come out as …122999999 ns.
        let whole = value.rounded(.down)
        let thousandths = Int64(((value - whole) * 1000).rounded())
        let (scaled, overflow) = Int64(whole).multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        return scaled + thousandths * (unit / 1000)
    }

    public static func nanoseconds(fromInteger value: Int64) -> Int64? {
        guard value >= 0 else { return nil }
        switch value {
        case ..<100_000_000_000: return value * 1_000_000_000
        case ..<100_000_000_000_000: return value * 1_000_000
        case ..<100_000_000_000_000_000: return value * 1_000
        default: return value
        }
    }

    /// Parses an RFC 3339 date-time; nil if it is not one.
    public static func nanoseconds(fromRFC3339 text: String) -> Int64? {
        let b = Array(text.utf8)
        if !b.isEmpty, b.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let integer = Int64(text) {
            return nanoseconds(fromInteger: integer)
        }
        guard b.count >= 20 else { return nil }
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= b.count else { return nil }
            var value: Int64 = 0
            for byte in b[i..<i + count] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            i += count
            return value
        }
        func expect(_ options: [UInt8]) -> Bool {
            guard i < b.count, options.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect([0x2D]), let month = digits(2), expect([0x2D]), let day = digits(2),
              expect([UInt8(ascii: "T"), UInt8(ascii: "t"), 0x20]),
              let hour = digits(2), expect([0x3A]), let minute = digits(2), expect([0x3A]), let second = digits(2),
              (1...12).contains(month), day >= 1, day <= RFC3339.daysIn(month: month, year: year),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var fraction: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if count < 9 { fraction = fraction * 10 + Int64(b[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in min(count, 9)..<9 { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), expect([0x3A]), let om = digits(2), oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        guard let days = RFC3339.days(year: year, month: month, day: day) else { return nil }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return seconds * 1_000_000_000 + fraction
    }
}
