/// The two text formats a Prometheus scraper can ask for.
public enum ExpositionFormat: Sendable, Equatable {
    /// Prometheus text format 0.0.4.
    case text
    /// OpenMetrics 1.0.0 text.
    case openMetrics

    public var contentType: String {
        switch self {
        case .text: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format from an HTTP `Accept` header the way Prometheus' own scraper expects: the supported media
    /// type with the highest `q` wins, ties go to the one listed first, and anything else (or no header) is text 0.0.4.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept, !accept.isEmpty else { return .text }
        var best: (format: ExpositionFormat, q: Double)? = nil
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingSpaces() }
            guard let mediaType = parts.first?.lowercased() else { continue }
            var q = 1.0
            var version: Substring? = nil
            for parameter in parts.dropFirst() {
                let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                guard kv.count == 2 else { continue }
                if kv[0].lowercased() == "q" { q = Double(kv[1]) ?? 0 }
                if kv[0].lowercased() == "version" { version = kv[1] }
            }
            let format: ExpositionFormat
            switch mediaType {
            case "application/openmetrics-text":
                // 0.0.1 and 1.0.0 are the published versions; both are served as 1.0.0 text, which 0.0.1 readers parse.
                if let version, version != "1.0.0" && version != "0.0.1" { continue }
                format = .openMetrics
            case "text/plain", "*/*", "text/*":
                format = .text
            default:
                continue
            }
            guard q > 0 else { continue }
            if best == nil || q > best!.q { best = (format, q) }
        }
        return best?.format ?? .text
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
