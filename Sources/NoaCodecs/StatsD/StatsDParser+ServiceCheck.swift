import NoaCore

extension StatsDParser {
    /// A DogStatsD service check (Datadog docs, "DogStatsD › Datagram Format › Service Checks"):
    /// `_sc|<name>|<status>|d:<ts>|h:<host>|#tags|m:<message>`, status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    /// The message must come last and runs to the end of the line, `|` included. Unknown sections are ignored.
    func parseServiceCheck(_ b: StatsDScan.Bytes, _ start: Int, _ end: Int) -> StatsDLine {
        // `_sc` and then the end or `|` were checked by the caller.
        let nameStart = start &+ 4
        guard nameStart < end else { return .error(.invalidServiceCheck) }
        let nameEnd = StatsDScan.find(StatsDByte.pipe, b, nameStart, end)
        let statusStart = nameEnd &+ 1
        guard nameEnd > nameStart, statusStart < end else { return .error(.invalidServiceCheck) }
        let statusEnd = StatsDScan.find(StatsDByte.pipe, b, statusStart, end)
        let status = Int(b[statusStart] &- StatsDByte.zero)
        guard statusEnd == statusStart &+ 1, status <= 3 else { return .error(.invalidServiceCheck) }
        guard let name = StatsDScan.string(b, nameStart, nameEnd) else { return .error(.invalidUTF8) }

        var check = StatsDServiceCheck(name: name, status: status)
        var sectionStart = statusEnd &+ 1
        while sectionStart < end {
            let key = b[sectionStart]
            if key == StatsDByte.m && sectionStart &+ 1 < end && b[sectionStart &+ 1] == StatsDByte.colon {
                guard let message = StatsDScan.string(b, sectionStart &+ 2, end) else { return .error(.invalidUTF8) }
                check.message = message
                break
            }
            let sectionEnd = StatsDScan.find(StatsDByte.pipe, b, sectionStart, end)
            if key == StatsDByte.hash {
                if let error = StatsDScan.dogStatsDTags(b, sectionStart &+ 1, sectionEnd, into: &check.tags) {
                    return .error(error)
                }
            } else if sectionEnd &- sectionStart >= 2 && b[sectionStart &+ 1] == StatsDByte.colon {
                let valueStart = sectionStart &+ 2
                switch key {
                case StatsDByte.d:
                    guard let ts = StatsDScan.timestamp(b, valueStart, sectionEnd) else {
                        return .error(.invalidTimestamp)
                    }
                    check.timestamp = ts
                case StatsDByte.h:
                    guard let host = StatsDScan.string(b, valueStart, sectionEnd) else { return .error(.invalidUTF8) }
                    check.hostname = host
                default:
                    break
                }
            }
            sectionStart = sectionEnd &+ 1
        }
        return .serviceCheck(check)
    }
}
