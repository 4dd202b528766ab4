import NoaCore

/// RFC 3339 timestamps in UTC, written without Foundation (`2026-11-27T16:40:49.123456789Z`).
public enum RFC3339 {
    /// Formats nanoseconds since the Unix epoch. `fractionDigits` is 0, 3, 6 or 9 (Elasticsearch's `date` keeps
    /// milliseconds, `date_nanos` nanoseconds; the journal has microseconds).
    public static func format(nanoseconds: Int64, fractionDigits: Int = 6) -> String {
        ByteWriter.string(capacity: longest) { format(nanoseconds: nanoseconds, fractionDigits: fractionDigits, into: &$0) }
    }

    public static func append(nanoseconds: Int64, fractionDigits: Int = 6, to bytes: inout [UInt8]) {
        // Written straight into the array's spare room: this runs twice for every record a log sink writes, and
        // appending digit by digit cost a uniqueness and capacity check per byte.
        ByteWriter.append(to: &bytes, capacity: longest) {
            format(nanoseconds: nanoseconds, fractionDigits: fractionDigits, into: &$0)
        }
    }

    /// The most bytes a timestamp takes: a year of up to four digits and nine fraction digits.
    public static let longest = 30

    /// Writes the timestamp (at most `longest` bytes).
    public static func format(nanoseconds: Int64, fractionDigits: Int, into w: inout ByteWriter) {
        let seconds = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        let fraction = nanoseconds - seconds * 1_000_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        // A value wider than its field keeps its last digits (a year past 9999, or before 0, as its last four).
        func digits(_ value: Int64, _ width: Int) { w.write(decimal: UInt64(truncatingIfNeeded: value), width: width) }
        digits(year, 4)
        w.write(UInt8(ascii: "-"))
        digits(month, 2)
        w.write(UInt8(ascii: "-"))
        digits(day, 2)
        w.write(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        w.write(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        w.write(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        if fractionDigits > 0 {
            w.write(UInt8(ascii: "."))
            var scaled = fraction
            for _ in 0..<(9 - min(9, fractionDigits)) { scaled /= 10 }
            digits(scaled, min(9, fractionDigits))
        }
        w.write(UInt8(ascii: "Z"))
    }

    /// Days since 1970-01-01 of a calendar date (Howard Hinnant's `days_from_civil`), or nil when the date does not
    /// exist (month outside 1-12, day outside the month, leap years counted).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The length of a month of the proleptic Gregorian calendar (1-12).
    public static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The day `days` after 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
