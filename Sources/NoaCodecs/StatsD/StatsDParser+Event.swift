import NoaCore

extension StatsDParser {
    /// A DogStatsD event (Datadog docs, "DogStatsD › Datagram Format › Events"):
    /// `_e{<title bytes>,<text bytes>}:<title>|<text>|d:<ts>|h:<host>|k:<key>|p:<priority>|s:<source>|t:<alert>|#tags`,
    /// priority `normal` or `low`, alert type `error`, `warning`, `info` or `success`.
    /// The lengths count UTF-8 bytes, so a title or text may itself contain `|`. A two-byte `\n` in the title or
    /// text is a line break, as the Datadog agent reads it. Unknown sections are ignored; an unknown priority or
    /// alert type is `invalid_event`, a bad `d:` is `invalid_timestamp`.
    func parseEvent(_ b: StatsDScan.Bytes, _ start: Int, _ end: Int) -> StatsDLine {
        // `_e{` was checked by the caller.
        var i = start &+ 3
        guard let titleLength = Self.length(b, &i, end, terminator: StatsDByte.comma),
            let textLength = Self.length(b, &i, end, terminator: StatsDByte.closeBrace),
            i < end, b[i] == StatsDByte.colon, titleLength > 0
        else { return .error(.invalidEvent) }
        let titleStart = i &+ 1
        // Lengths are at most the line length (checked by `length`), so these sums cannot overflow.
        let titleEnd = titleStart &+ titleLength
        guard titleEnd < end, b[titleEnd] == StatsDByte.pipe else { return .error(.invalidEvent) }
        let textStart = titleEnd &+ 1
        let textEnd = textStart &+ textLength
        guard textEnd <= end, textEnd == end || b[textEnd] == StatsDByte.pipe else { return .error(.invalidEvent) }
        guard let title = StatsDScan.unescapedString(b, titleStart, titleEnd),
            let text = StatsDScan.unescapedString(b, textStart, textEnd)
        else { return .error(.invalidUTF8) }

        var event = StatsDEvent(title: title, text: text)
        var sectionStart = textEnd &+ 1
        while sectionStart < end {
            let sectionEnd = StatsDScan.find(StatsDByte.pipe, b, sectionStart, end)
            if sectionEnd > sectionStart {
                let key = b[sectionStart]
                if key == StatsDByte.hash {
                    if let error = StatsDScan.dogStatsDTags(b, sectionStart &+ 1, sectionEnd, into: &event.tags) {
                        return .error(error)
                    }
                } else if sectionEnd &- sectionStart >= 2 && b[sectionStart &+ 1] == StatsDByte.colon {
                    let valueStart = sectionStart &+ 2
                    switch key {
                    case StatsDByte.d:
                        guard let ts = StatsDScan.timestamp(b, valueStart, sectionEnd) else {
                            return .error(.invalidTimestamp)
                        }
                        event.timestamp = ts
                    case StatsDByte.h, StatsDByte.k, StatsDByte.p, StatsDByte.s, StatsDByte.t:
                        guard let value = StatsDScan.string(b, valueStart, sectionEnd) else {
                            return .error(.invalidUTF8)
                        }
                        switch key {
                        case StatsDByte.h: event.hostname = value
                        case StatsDByte.k: event.aggregationKey = value
                        case StatsDByte.p:
                            guard value == "normal" || value == "low" else { return .error(.invalidEvent) }
                            event.priority = value
                        case StatsDByte.s: event.sourceType = value
                        default:
                            guard value == "error" || value == "warning" || value == "info" || value == "success"
                            else { return .error(.invalidEvent) }
                            event.alertType = value
                        }
                    default:
                        break
                    }
                }
            }
            sectionStart = sectionEnd &+ 1
        }
        return .event(event)
    }

    /// The decimal length at `i` up to `terminator`, which `i` is left just past. Nil when empty, not digits, or
    /// longer than the rest of the line.
    private static func length(_ b: StatsDScan.Bytes, _ i: inout Int, _ end: Int, terminator: UInt8)
        -> Int?
    {
        let start = i
        var value = 0
        while i < end && b[i] != terminator {
            let digit = b[i] &- StatsDByte.zero
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int(digit)
            guard value <= end &- start else { return nil }
            i &+= 1
        }
        guard i > start, i < end else { return nil }
        i &+= 1
        return value
    }
}
