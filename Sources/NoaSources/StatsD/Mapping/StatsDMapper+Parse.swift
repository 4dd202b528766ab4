import NoaCore
import NoaYAML

extension StatsDMapper {
    /// Reads a statsd_exporter mapping file as is. Like statsd_exporter (`yaml.UnmarshalStrict`), unknown keys are
    /// errors; every problem is reported with its line and column, not only the first.
    public static func parse(yaml: String, file: String) -> Result<StatsDMapper, StatsDMappingErrors> {
        let reader = StatsDMappingReader(file: file)
        let root: YAMLNode?
        do {
            root = try YAML.compose(yaml)
        } catch {
            return .failure(
                StatsDMappingErrors([
                    StatsDMappingIssue(
                        file: file, line: error.mark.line, column: error.mark.column, message: error.message)
                ]))
        }
        guard let root else { return .success(StatsDMapper()) }
        let mapper = reader.read(root)
        if reader.issues.isEmpty, let mapper { return .success(mapper) }
        return .failure(StatsDMappingErrors(reader.issues))
    }
}

/// Entry points for tests of the reader's value parsers.
enum StatsDMappingReaderTestHook {
    static func duration(_ text: String) -> Double? { StatsDMappingReader.goDuration(text) }
}

/// Walks the composed YAML of a mapping file, collecting located issues.
private final class StatsDMappingReader: YAMLReader {

    static let defaultsKeys = [
        "observer_type", "timer_type", "buckets", "quantiles", "match_type", "glob_disable_ordering", "ttl",
        "summary_options", "histogram_options",
    ]
    static let mappingKeys = [
        "match", "name", "labels", "help", "honor_labels", "match_type", "match_metric_type", "observer_type",
        "timer_type", "buckets", "quantiles", "ttl", "action", "summary_options", "histogram_options", "scale",
    ]

    func read(_ root: YAMLNode) -> StatsDMapper? {
        guard let top = mapping(root, path: "", allowed: ["defaults", "mappings"]) else { return nil }
        var defaults = StatsDMappingDefaults()
        var defaultMatchRegex = false
        var defaultObserverIsHistogram = false
        if let node = top["defaults"], let d = mapping(node, path: "defaults", allowed: Self.defaultsKeys) {
            if let v = d["observer_type"] ?? d["timer_type"] {
                defaultObserverIsHistogram = observerType(v, path: "defaults.observer_type") ?? false
            }
            if let v = d["match_type"] { defaultMatchRegex = matchType(v, path: "defaults.match_type") ?? false }
            if let v = d["glob_disable_ordering"] {
                defaults.globDisableOrdering = bool(v, path: "defaults.glob_disable_ordering") ?? false
            }
            if let v = d["ttl"] { defaults.ttl = duration(v, path: "defaults.ttl") ?? 0 }
            if let v = d["buckets"], let b = buckets(v, path: "defaults.buckets") { defaults.histogramBuckets = b }
            if let v = d["histogram_options"], let b = histogramOptions(v, path: "defaults.histogram_options") {
                defaults.histogramBuckets = b
            }
            if let v = d["quantiles"], let q = quantiles(v, path: "defaults.quantiles") {
                defaults.summaryOptions.quantiles = q
            }
            if let v = d["summary_options"] {
                summaryOptions(v, path: "defaults.summary_options", into: &defaults.summaryOptions)
            }
        }
        defaults.observer =
            defaultObserverIsHistogram
            ? .histogram(buckets: defaults.histogramBuckets) : .summary(defaults.summaryOptions)

        var rules: [StatsDMappingRule] = []
        if let node = top["mappings"] {
            if case .sequence(let items) = node {
                for (i, item) in items.enumerated() {
                    if let rule = rule(item, path: "mappings[\(i)]", defaults: defaults, defaultRegex: defaultMatchRegex,
                        defaultHistogram: defaultObserverIsHistogram)
                    {
                        rules.append(rule)
                    }
                }
            } else if !isNull(node) {
                error(node, "mappings must be a list")
            }
        }
        return StatsDMapper(rules: rules, defaults: defaults)
    }

    private func rule(
        _ node: YAMLNode, path: String, defaults: StatsDMappingDefaults, defaultRegex: Bool, defaultHistogram: Bool
    ) -> StatsDMappingRule? {
        guard let m = mapping(node, path: path, allowed: Self.mappingKeys) else { return nil }
        let before = issues.count
        var drop = false
        if let v = m["action"], let text = string(v, path: "\(path).action") {
            switch text {
            case "map", "": drop = false
            case "drop": drop = true
            default: error(v, "\(path).action must be map or drop, not '\(text)'")
            }
        }
        var isRegex = defaultRegex
        if let v = m["match_type"] { isRegex = matchType(v, path: "\(path).match_type") ?? defaultRegex }
        var matchMetricType: StatsDMatchMetricType?
        if let v = m["match_metric_type"], let text = string(v, path: "\(path).match_metric_type") {
            matchMetricType = StatsDMatchMetricType(rawValue: text)
            if matchMetricType == nil {
                error(v, "\(path).match_metric_type must be counter, gauge or observer, not '\(text)'")
            }
        }
        var matcher: StatsDMappingRule.Matcher?
        if let v = m["match"], let text = string(v, path: "\(path).match") {
            if isRegex {
                do {
                    matcher = .regex(StatsDCompiledRegex(try Regex(text)))
                } catch {
                    self.error(v, "\(path).match: '\(text)' is not a valid regular expression")
                }
            } else if let glob = Self.glob(text) {
                matcher = .glob(glob)
            } else {
                error(v, "\(path).match: '\(text)' is not a valid glob (dot-separated names and '*' components)")
            }
        } else if m["match"] == nil {
            error(node, "\(path).match is missing")
        }
        var name = StatsDTemplate("")
        if let v = m["name"], let text = string(v, path: "\(path).name") {
            name = StatsDTemplate(text)
            let literal = name.literalText
            let valid =
                !text.isEmpty
                && literal.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ":")
                }
            if !valid { error(v, "\(path).name '\(text)' is not a valid metric name") }
        } else if m["name"] == nil, !drop {
            error(node, "\(path).name is missing (every mapping that is not 'action: drop' needs a metric name)")
        }
        var labels: [(String, StatsDTemplate)] = []
        if let v = m["labels"], let entries = orderedMapping(v, path: "\(path).labels") {
            for (key, keyNode, valueNode) in entries {
                if !Self.isLabelName(key) {
                    error(keyNode, "\(path).labels: '\(key)' is not a valid label name")
                    continue
                }
                if let value = string(valueNode, path: "\(path).labels.\(key)") {
                    labels.append((key, StatsDTemplate(value)))
                }
            }
        }
        var histogram = defaultHistogram
        if let v = m["observer_type"] ?? m["timer_type"] {
            histogram = observerType(v, path: "\(path).observer_type") ?? defaultHistogram
        }
        var bucketsValue = defaults.histogramBuckets
        if let v = m["buckets"], let b = buckets(v, path: "\(path).buckets") { bucketsValue = b }
        if let v = m["histogram_options"] {
            if !histogram { error(v, "\(path): cannot use summary observer and histogram options at the same time") }
            if let b = histogramOptions(v, path: "\(path).histogram_options") { bucketsValue = b }
        }
        var summary = defaults.summaryOptions
        if let v = m["quantiles"], let q = quantiles(v, path: "\(path).quantiles") { summary.quantiles = q }
        if let v = m["summary_options"] {
            if histogram { error(v, "\(path): cannot use histogram observer and summary options at the same time") }
            summaryOptions(v, path: "\(path).summary_options", into: &summary)
        }
        var ttl = defaults.ttl
        if let v = m["ttl"], let t = duration(v, path: "\(path).ttl"), t > 0 { ttl = t }
        var help: String?
        if let v = m["help"] { help = string(v, path: "\(path).help") }
        var honorLabels = false
        if let v = m["honor_labels"] { honorLabels = bool(v, path: "\(path).honor_labels") ?? false }
        var scale: Double?
        if let v = m["scale"] { scale = number(v, path: "\(path).scale") }
        guard issues.count == before, let matcher else { return nil }
        return StatsDMappingRule(
            matcher: matcher, matchMetricType: matchMetricType, drop: drop, name: name, labels: labels,
            observer: histogram ? .histogram(buckets: bucketsValue) : .summary(summary), ttl: ttl, help: help,
            honorLabels: honorLabels, scale: scale)
    }

    // MARK: values

    /// statsd_exporter's `metricLineRE`: components are `*` or names (`[a-zA-Z_][a-zA-Z0-9_-]*`, later ones may
    /// start with a digit).
    static func glob(_ text: String) -> [String?]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var result: [String?] = []
        for (i, part) in parts.enumerated() {
            if part == "*" {
                result.append(nil)
                continue
            }
            guard let first = part.unicodeScalars.first else { return nil }
            let firstOK = first.isASCII && (first.properties.isAlphabetic || first == "_" || (i > 0 && ("0"..."9").contains(first)))
            let restOK = part.unicodeScalars.dropFirst().allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
            }
            guard firstOK, restOK else { return nil }
            result.append(String(part))
        }
        return result
    }

    static func isLabelName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || first == "_"
        else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
        }
    }

    private func observerType(_ node: YAMLNode, path: String) -> Bool? {
        guard let text = string(node, path: path) else { return nil }
        switch text {
        case "histogram": return true
        case "summary", "", "default": return false
        default:
            error(node, "\(path) must be histogram or summary, not '\(text)'")
            return nil
        }
    }

    private func matchType(_ node: YAMLNode, path: String) -> Bool? {
        guard let text = string(node, path: path) else { return nil }
        switch text {
        case "regex": return true
        case "glob", "": return false
        default:
            error(node, "\(path) must be glob or regex, not '\(text)'")
            return nil
        }
    }

    private func histogramOptions(_ node: YAMLNode, path: String) -> [Double]? {
        guard
            let m = mapping(
                node, path: path, allowed: ["buckets", "native_histogram_bucket_factor", "native_histogram_max_buckets"])
        else { return nil }
        // Native histograms are accepted and ignored: noa exposes classic buckets only.
        if let v = m["native_histogram_bucket_factor"] { _ = number(v, path: "\(path).native_histogram_bucket_factor") }
        if let v = m["native_histogram_max_buckets"] { _ = number(v, path: "\(path).native_histogram_max_buckets") }
        guard let v = m["buckets"] else { return nil }
        return buckets(v, path: "\(path).buckets")
    }

    private func summaryOptions(_ node: YAMLNode, path: String, into options: inout StatsDSummaryOptions) {
        guard let m = mapping(node, path: path, allowed: ["quantiles", "max_age", "age_buckets", "buf_cap"]) else {
            return
        }
        if let v = m["quantiles"], let q = quantiles(v, path: "\(path).quantiles") { options.quantiles = q }
        if let v = m["max_age"], let d = duration(v, path: "\(path).max_age"), d > 0 { options.maxAge = d }
        if let v = m["age_buckets"], let n = integer(v, path: "\(path).age_buckets"), n > 0 { options.ageBuckets = n }
        if let v = m["buf_cap"], let n = integer(v, path: "\(path).buf_cap"), n > 0 { options.bufCap = n }
    }

    private func buckets(_ node: YAMLNode, path: String) -> [Double]? {
        guard case .sequence(let items) = node else {
            error(node, "\(path) must be a list of numbers")
            return nil
        }
        var values: [Double] = []
        for item in items {
            guard let value = number(item, path: "\(path)[]") else { return nil }
            if let last = values.last, value <= last {
                error(item, "\(path) must be in increasing order")
                return nil
            }
            values.append(value)
        }
        if values.last == .infinity { values.removeLast() }
        return values.isEmpty ? nil : values
    }

    private func quantiles(_ node: YAMLNode, path: String) -> [StatsDQuantile]? {
        guard case .sequence(let items) = node else {
            error(node, "\(path) must be a list of {quantile, error}")
            return nil
        }
        var result: [StatsDQuantile] = []
        for item in items {
            guard let m = mapping(item, path: "\(path)[]", allowed: ["quantile", "error"]) else { continue }
            guard let qNode = m["quantile"] else {
                error(item, "\(path)[].quantile is missing")
                continue
            }
            guard let q = number(qNode, path: "\(path)[].quantile") else { continue }
            guard q >= 0, q <= 1 else {
                error(qNode, "\(path)[].quantile must be between 0 and 1")
                continue
            }
            let e = m["error"].flatMap { number($0, path: "\(path)[].error") } ?? 0
            result.append(StatsDQuantile(quantile: q, error: e))
        }
        return result.isEmpty ? nil : result.sorted { $0.quantile < $1.quantile }
    }

    // MARK: primitives

    /// A Go `time.Duration` string (`30s`, `1h30m`, `500ms`), as statsd_exporter's YAML reads it, in seconds.
    func duration(_ node: YAMLNode, path: String) -> Double? {
        guard let text = string(node, path: path) else { return nil }
        if let seconds = Self.goDuration(text) { return seconds }
        error(node, "\(path) must be a duration such as 30s, 5m or 1h30m, not '\(text)'")
        return nil
    }

    static func goDuration(_ text: String) -> Double? {
        if text == "0" { return 0 }
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) })
            else { return nil }
            total += value * unit.1
            rest = rest.dropFirst(unit.0.count)
        }
        return total
    }
}
