import NoaCore

extension StatsDParser {
    /// A metric line `name:value[:value...]|type[|@rate][|#tags][|c:container][|T<ts>]` (etsy/statsd
    /// `docs/metric_types.md`, DogStatsD datagram format), the name possibly carrying statsd_exporter tags.
    /// Every part is checked before the first sample is handed out, so a line yields samples or one error.
    @inline(__always)
    func parseMetric(_ b: StatsDScan.Bytes, _ start: Int, _ end: Int, _ handle: (StatsDLine) -> Void) {
        // The name ends at the first ':'; a '|' before it means the value is missing (`name|c`), and looking past
        // it would find the colon of a DogStatsD tag.
        var nameEnd = start
        while nameEnd < end {
            let c = b[nameEnd]
            if c == StatsDByte.colon || c == StatsDByte.pipe { break }
            nameEnd &+= 1
        }
        guard nameEnd < end, b[nameEnd] == StatsDByte.colon else { return handle(.error(.missingValue)) }
        guard nameEnd > start else { return handle(.error(.emptyName)) }

        let valueStart = nameEnd &+ 1
        let valueEnd = StatsDScan.find(StatsDByte.pipe, b, valueStart, end)
        guard valueEnd > valueStart else { return handle(.error(.missingValue)) }
        guard valueEnd < end else { return handle(.error(.missingType)) }
        let typeStart = valueEnd &+ 1
        let typeEnd = StatsDScan.find(StatsDByte.pipe, b, typeStart, end)
        guard typeEnd > typeStart else { return handle(.error(.missingType)) }
        guard let type = Self.metricType(b, typeStart, typeEnd) else { return handle(.error(.unknownType)) }

        // Sections after the type, in any order; unknown ones are ignored.
        var sampleRate = 1.0
        var tags: [Label] = []
        var sawDogStatsDTags = false
        var containerID: String? = nil
        var timestamp: Int64? = nil
        var sectionStart = typeEnd &+ 1
        while sectionStart < end {
            let sectionEnd = StatsDScan.find(StatsDByte.pipe, b, sectionStart, end)
            if sectionEnd > sectionStart {
                switch b[sectionStart] {
                case StatsDByte.at:
                    guard let rate = StatsDScan.number(b, sectionStart &+ 1, sectionEnd), rate > 0, rate <= 1 else {
                        return handle(.error(.invalidSampleRate))
                    }
                    sampleRate = rate
                case StatsDByte.hash:
                    sawDogStatsDTags = true
                    if let error = StatsDScan.dogStatsDTags(b, sectionStart &+ 1, sectionEnd, into: &tags) {
                        return handle(.error(error))
                    }
                case StatsDByte.upperT:
                    guard let ts = StatsDScan.timestamp(b, sectionStart &+ 1, sectionEnd) else {
                        return handle(.error(.invalidTimestamp))
                    }
                    timestamp = ts
                case StatsDByte.c where sectionEnd &- sectionStart >= 2 && b[sectionStart &+ 1] == StatsDByte.colon:
                    guard let id = StatsDScan.string(b, sectionStart &+ 2, sectionEnd) else {
                        return handle(.error(.invalidUTF8))
                    }
                    containerID = id.isEmpty ? nil : id  // an empty `|c:` says nothing
                default:
                    break
                }
            }
            sectionStart = sectionEnd &+ 1
        }

        // The name, with statsd_exporter tags split off.
        let name: String
        switch Self.name(b, start, nameEnd, tags: &tags, hadDogStatsDTags: sawDogStatsDTags) {
        case .success(let n): name = n
        case .failure(let error): return handle(.error(error))
        }

        var sample = StatsDSample(
            name: name, type: type, value: .number(0), sampleRate: sampleRate, tags: tags,
            containerID: containerID, timestamp: timestamp)

        // Sets keep the raw member text, colons included; other types may carry several values (DogStatsD).
        if type == .set {
            guard let member = StatsDScan.string(b, valueStart, valueEnd) else { return handle(.error(.invalidUTF8)) }
            sample.value = .setMember(member)
            return handle(.metric(sample))
        }
        let firstEnd = StatsDScan.find(StatsDByte.colon, b, valueStart, valueEnd)
        guard let first = Self.value(b, valueStart, firstEnd, type) else { return handle(.error(.invalidValue)) }
        if firstEnd == valueEnd {
            sample.value = first
            return handle(.metric(sample))
        }
        var values = [first]
        var s = firstEnd &+ 1
        while s <= valueEnd {
            let e = StatsDScan.find(StatsDByte.colon, b, s, valueEnd)
            guard let value = Self.value(b, s, e, type) else { return handle(.error(.invalidValue)) }
            values.append(value)
            s = e &+ 1
        }
        for value in values {
            sample.value = value
            handle(.metric(sample))
        }
    }

    /// One value of a non-set type. On a gauge an explicit sign makes a delta (etsy/statsd: "Adding a sign to the
    /// gauge value will change the value, rather than setting it").
    @inline(__always)
    static func value(_ b: StatsDScan.Bytes, _ start: Int, _ end: Int, _ type: StatsDMetricType)
        -> StatsDValue?
    {
        guard let number = StatsDScan.number(b, start, end) else { return nil }
        if type == .gauge && (b[start] == StatsDByte.plus || b[start] == StatsDByte.minus) {
            return .gaugeDelta(number)
        }
        return .number(number)
    }

    @inline(__always)
    static func metricType(_ b: StatsDScan.Bytes, _ start: Int, _ end: Int) -> StatsDMetricType? {
        switch end &- start {
        case 1:
            switch b[start] {
            case StatsDByte.c: return .counter
            case StatsDByte.g: return .gauge
            case StatsDByte.h: return .histogram
            case StatsDByte.d: return .distribution
            case StatsDByte.s: return .set
            default: return nil
            }
        case 2:
            return b[start] == StatsDByte.m && b[start &+ 1] == StatsDByte.s ? .timer : nil
        default:
            return nil
        }
    }

    /// The metric name of `start..<end` with statsd_exporter's tag extensions split off into `tags`: SignalFX
    /// `[k=v,...]` anywhere in the name first, else everything after the first Librato `#` or InfluxDB `,`.
    static func name(
        _ b: StatsDScan.Bytes, _ start: Int, _ end: Int, tags: inout [Label], hadDogStatsDTags: Bool
    ) -> Result<String, StatsDParseError> {
        var open = -1
        var close = -1
        var tagStart = -1
        var i = start
        while i < end {
            switch b[i] {
            case StatsDByte.openBracket:
                if open >= 0 { return .failure(.invalidTags) }
                open = i
            case StatsDByte.closeBracket:
                if close >= 0 { return .failure(.invalidTags) }
                close = i
            case StatsDByte.hash, StatsDByte.comma:
                if tagStart < 0 && open < 0 { tagStart = i }
            default:
                break
            }
            i &+= 1
        }
        if open < 0 && close < 0 && tagStart < 0 {
            guard let name = StatsDScan.string(b, start, end) else { return .failure(.invalidUTF8) }
            return .success(name)
        }
        // statsd_exporter refuses a line mixing name tags and DogStatsD tags ("mixed_tagging_styles").
        if hadDogStatsDTags { return .failure(.invalidTags) }
        if open >= 0 || close >= 0 {
            guard open >= 0, close > open else { return .failure(.invalidTags) }
            if let error = StatsDScan.nameTags(b, open &+ 1, close, into: &tags) { return .failure(error) }
            guard open > start || close &+ 1 < end else { return .failure(.emptyName) }
            guard let head = StatsDScan.string(b, start, open), let tail = StatsDScan.string(b, close &+ 1, end)
            else { return .failure(.invalidUTF8) }
            return .success(tail.isEmpty ? head : head + tail)
        }
        if let error = StatsDScan.nameTags(b, tagStart &+ 1, end, into: &tags) { return .failure(error) }
        guard tagStart > start else { return .failure(.emptyName) }
        guard let name = StatsDScan.string(b, start, tagStart) else { return .failure(.invalidUTF8) }
        return .success(name)
    }
}
