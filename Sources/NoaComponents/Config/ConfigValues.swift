/// Typed config scalars: durations, byte sizes and listen addresses, each with a parser that says what is wrong.

/// A config value that does not parse.
public struct ConfigValueError: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

public enum ConfigDuration {
    /// Parses Go/Prometheus-style durations: `250ms`, `15s`, `1m30s`, `2h`, `1d`; `0` alone is zero.
    public static func parse(_ text: String) -> Result<Duration, ConfigValueError> {
        if text == "0" { return .success(.zero) }
        var total: Duration = .zero
        var rest = Substring(text)
        guard !rest.isEmpty else { return .failure(.init("empty duration")) }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let amount = Double(digits) else {
                return .failure(.init("'\(text)' is not a duration (for example 500ms, 15s, 5m, 1h)"))
            }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let seconds: Double
            switch unit {
            case "ns": seconds = amount / 1e9
            case "us", "µs": seconds = amount / 1e6
            case "ms": seconds = amount / 1e3
            case "s": seconds = amount
            case "m": seconds = amount * 60
            case "h": seconds = amount * 3600
            case "d": seconds = amount * 86400
            default:
                return .failure(.init("'\(text)' has no valid unit (ms, s, m, h, d)"))
            }
            total += .nanoseconds(Int64((seconds * 1e9).rounded()))
        }
        return .success(total)
    }
}

public enum ConfigByteSize {
    /// Parses sizes: `512`, `64KiB`, `5MiB`, `1GiB` (powers of 1024) and `10KB`, `5MB`, `1GB` (powers of 1000).
    public static func parse(_ text: String) -> Result<Int, ConfigValueError> {
        let digits = text.prefix { $0.isNumber }
        let unit = text.dropFirst(digits.count).trimmingPrefixSpaces()
        guard let amount = Int(digits) else {
            return .failure(.init("'\(text)' is not a size (for example 512KiB, 5MiB, 1GB)"))
        }
        let multiplier: Int
        switch unit {
        case "", "B": multiplier = 1
        case "KiB", "Ki": multiplier = 1 << 10
        case "MiB", "Mi": multiplier = 1 << 20
        case "GiB", "Gi": multiplier = 1 << 30
        case "KB", "kB", "K", "k": multiplier = 1000
        case "MB", "M": multiplier = 1_000_000
        case "GB", "G": multiplier = 1_000_000_000
        default: return .failure(.init("'\(text)' has an unknown unit (B, KiB, MiB, GiB, KB, MB, GB)"))
        }
        let (value, overflow) = amount.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return .failure(.init("'\(text)' is too large")) }
        return .success(value)
    }
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> Substring {
        drop { $0 == " " }
    }
}
