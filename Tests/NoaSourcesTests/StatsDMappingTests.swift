import NoaCodecs
import NoaCore
import Testing

@testable import NoaSources

private func mapper(_ yaml: String) throws -> StatsDMapper {
    switch StatsDMapper.parse(yaml: yaml, file: "mapping.yml") {
    case .success(let m): return m
    case .failure(let e):
        Issue.record("unexpected issues: \(e)")
        throw e
    }
}

private func issues(_ yaml: String) -> [StatsDMappingIssue] {
    switch StatsDMapper.parse(yaml: yaml, file: "mapping.yml") {
    case .success: return []
    case .failure(let e): return e.issues
    }
}

private func mapped(_ m: StatsDMapper, _ name: String, _ type: StatsDMetricType = .counter) -> StatsDMappedMetric? {
    if case .mapped(let metric) = m.map(name: name, type: type) { return metric }
    return nil
}

private func labels(_ metric: StatsDMappedMetric?) -> [String: String] {
    Dictionary((metric?.labels ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
}

@Suite("StatsD mapping files")
struct StatsDMappingTests {
    /// The glob example of statsd_exporter's README, "Glob matching".
    static let readmeGlob = """
        mappings:
        - match: "test.dispatcher.*.*.*"
          name: "dispatcher_events_total"
          labels:
            processor: "$1"
            action: "$2"
            outcome: "$3"
            job: "test_dispatcher"
        - match: "*.signup.*.*"
          name: "signup_events_total"
          labels:
            provider: "$2"
            outcome: "$3"
            job: "${1}_server"
        """

    @Test func readmeGlobExample() throws {
        let m = try mapper(Self.readmeGlob)
        let a = mapped(m, "test.dispatcher.FooProcessor.send.success")
        #expect(a?.name == "dispatcher_events_total")
        #expect(
            labels(a) == ["processor": "FooProcessor", "action": "send", "outcome": "success", "job": "test_dispatcher"])
        #expect(a?.matched == true)
        let b = mapped(m, "foo_product.signup.facebook.failure")
        #expect(b?.name == "signup_events_total")
        #expect(labels(b) == ["provider": "facebook", "outcome": "failure", "job": "foo_product_server"])
        // Unmatched: the name escaped, no labels (README: test.web-server.foo.bar => test_web_server_foo_bar{}).
        let c = mapped(m, "test.web-server.foo.bar")
        #expect(c?.name == "test_web_server_foo_bar")
        #expect(c?.labels == [])
        #expect(c?.matched == false)
    }

    @Test func globStarMatchesOneWholeComponent() throws {
        let m = try mapper(
            """
            mappings:
            - match: a.*.c
              name: matched
            """)
        #expect(mapped(m, "a.b.c")?.matched == true)
        #expect(mapped(m, "a.b.x.c")?.matched == false)
        #expect(mapped(m, "a.c")?.matched == false)
        #expect(mapped(m, "a.b.c.d")?.matched == false)
    }

    @Test func regexWithNumberedAndNamedGroups() throws {
        let m = try mapper(
            #"""
            mappings:
            - match: '(.*)\.(.*)--(.*)\.status\.(.*)\.count'
              match_type: regex
              name: "request_total"
              labels:
                hostname: "$1"
                exec: "$2"
                protocol: "$3"
                code: "$4"
            - match: '^api\.(?<service>[a-z]+)\.(?<op>[a-z]+)$'
              match_type: regex
              name: "api_${op}_calls"
              labels:
                service: "${service}"
                both: "$service-${op}"
            """#)
        let a = mapped(m, "web.git--http.status.200.count")
        #expect(a?.name == "request_total")
        #expect(labels(a) == ["hostname": "web", "exec": "git", "protocol": "http", "code": "200"])
        let b = mapped(m, "api.users.get")
        #expect(b?.name == "api_get_calls")
        #expect(labels(b) == ["service": "users", "both": "users-get"])
    }

    @Test func matchMetricTypeRestrictsMappings() throws {
        let m = try mapper(
            """
            mappings:
            - match: app.*
              match_metric_type: counter
              name: app_counter
            - match: app.*
              match_metric_type: observer
              name: app_latency
              observer_type: histogram
            - match: app.*
              match_metric_type: gauge
              name: app_gauge
            """)
        #expect(mapped(m, "app.x", .counter)?.name == "app_counter")
        #expect(mapped(m, "app.x", .timer)?.name == "app_latency")
        #expect(mapped(m, "app.x", .distribution)?.name == "app_latency")
        #expect(mapped(m, "app.x", .gauge)?.name == "app_gauge")
        #expect(mapped(m, "app.x", .set)?.name == "app_gauge")
    }

    @Test func firstMatchingMappingWinsAndGlobsComeBeforeRegexes() throws {
        let m = try mapper(
            """
            mappings:
            - match: '^a\\..*'
              match_type: regex
              name: from_regex
            - match: a.*.c
              name: first
            - match: a.b.c
              name: second
            """)
        #expect(mapped(m, "a.b.c")?.name == "first")
        #expect(mapped(m, "a.b.d")?.name == "from_regex")
    }

    @Test func globDisableOrderingPrefersLiteralComponents() throws {
        let m = try mapper(
            """
            defaults:
              glob_disable_ordering: true
            mappings:
            - match: a.*.c
              name: first
            - match: a.b.c
              name: second
            """)
        #expect(mapped(m, "a.b.c")?.name == "second")
        #expect(mapped(m, "a.x.c")?.name == "first")
    }

    @Test func dropAction() throws {
        let m = try mapper(
            """
            mappings:
            - match: keep.*
              name: kept
            - match: "."
              match_type: regex
              action: drop
              name: dropped
            """)
        #expect(m.map(name: "anything.else", type: .counter) == .drop)
        #expect(mapped(m, "keep.this")?.name == "kept")
    }

    @Test func defaultsApplyToMappingsAndUnmatchedNames() throws {
        let m = try mapper(
            """
            defaults:
              observer_type: histogram
              histogram_options:
                buckets: [0.1, 1, 10]
              ttl: 45s
              match_type: glob
            mappings:
            - match: timed.*
              name: timed
            - match: sum.*
              name: summed
              observer_type: summary
              summary_options:
                quantiles:
                  - quantile: 0.75
                    error: 0.01
                max_age: 1m
                age_buckets: 3
              ttl: 1h30m
            - match: own.*
              name: own
              buckets: [1, 2]
            """)
        #expect(mapped(m, "timed.x", .timer)?.observer == .histogram(buckets: [0.1, 1, 10]))
        #expect(mapped(m, "timed.x", .timer)?.ttl == 45)
        #expect(mapped(m, "other", .timer)?.observer == .histogram(buckets: [0.1, 1, 10]))
        #expect(mapped(m, "other", .timer)?.ttl == 45)
        #expect(mapped(m, "own.x", .timer)?.observer == .histogram(buckets: [1, 2]))
        let s = mapped(m, "sum.x", .timer)
        #expect(
            s?.observer
                == .summary(
                    StatsDSummaryOptions(
                        quantiles: [StatsDQuantile(quantile: 0.75, error: 0.01)], maxAge: 60, ageBuckets: 3,
                        bufCap: 500)))
        #expect(s?.ttl == 5400)
    }

    @Test func withoutMappingsObserversAreSummariesLikeStatsdExporter() throws {
        let m = StatsDMapper()
        #expect(mapped(m, "x.y", .timer)?.observer == .summary(StatsDSummaryOptions()))
        #expect(mapped(m, "x.y", .timer)?.ttl == 0)
        let empty = try mapper("")
        #expect(mapped(empty, "x", .histogram)?.observer == .summary(StatsDSummaryOptions()))
        let histogram = try mapper("defaults:\n  observer_type: histogram\n")
        #expect(mapped(histogram, "x", .histogram)?.observer == .histogram(buckets: StatsDMapper.defaultBuckets))
    }

    @Test func helpHonorLabelsAndScale() throws {
        let m = try mapper(
            """
            mappings:
            - match: a.b
              name: ab
              help: "The help text."
              honor_labels: true
              scale: 0.001
            """)
        let a = mapped(m, "a.b")
        #expect(a?.help == "The help text.")
        #expect(a?.honorLabels == true)
        #expect(a?.scale == 0.001)
    }

    @Test func cachedLookupsAnswerTheSame() throws {
        let m = try mapper(Self.readmeGlob)
        for _ in 0..<3 {
            #expect(mapped(m, "foo_product.signup.facebook.failure")?.name == "signup_events_total")
            #expect(mapped(m, "test.web-server.foo.bar")?.name == "test_web_server_foo_bar")
        }
    }

    @Test func unknownKeysAreReportedWithLineAndColumn() {
        let found = issues(
            """
            defaults:
              observer_typo: histogram
            mappings:
            - match: a.b
              name: ab
              lables:
                x: y
            """)
        #expect(found.count == 2)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 3)
        #expect(found.first?.message.contains("observer_typo") == true)
        #expect(found.last?.line == 6)
        #expect(found.last?.column == 3)
        #expect(found.last?.description.hasPrefix("mapping.yml:6:3: ") == true)
    }

    @Test func invalidYAMLIsReportedWithLineAndColumn() {
        let found = issues("mappings:\n- match: \"unterminated\n")
        #expect(found.count == 1)
        #expect(found.first?.file == "mapping.yml")
        #expect((found.first?.line ?? 0) >= 2)
    }

    @Test func invalidValuesAreReportedAtTheValue() {
        let found = issues(
            """
            mappings:
            - match: a.b
              name: "bad-name"
            - match: "("
              match_type: regex
              name: x
            - match: a..b
              name: y
            - match: a.b
              name: z
              observer_type: histo
              ttl: forever
              labels:
                "bad label": v
            - match: a.b
            - match: a.c
              name: w
              observer_type: histogram
              summary_options:
                max_age: 1m
            """)
        let located = found.map { "\($0.line):\($0.column)" }
        #expect(located.contains("3:9"))  // bad-name
        #expect(located.contains("4:10"))  // regex
        #expect(located.contains("7:10"))  // glob
        #expect(located.contains("11:18"))  // observer_type
        #expect(located.contains("12:8"))  // ttl
        #expect(located.contains("14:5"))  // label name
        #expect(located.contains("15:3"))  // name missing
        #expect(located.contains("20:5"))  // summary options with a histogram
        #expect(found.count == 8)
    }

    @Test func templatesExpandLikeStatsdExporter() throws {
        let m = try mapper(
            """
            mappings:
            - match: a.*.*
              name: "x_${2}_$1"
              timer_type: histogram
              labels:
                missing: "$3"
                dollar: "$$1"
                literal: "plain"
            """)
        let a = mapped(m, "a.one.two", .timer)
        #expect(a?.name == "x_two_one")
        #expect(labels(a) == ["missing": "", "dollar": "$1", "literal": "plain"])
        #expect(a?.observer == .histogram(buckets: StatsDMapper.defaultBuckets))
    }

    @Test func goDurations() {
        #expect(StatsDMappingReaderTestHook.duration("90s") == 90)
        #expect(StatsDMappingReaderTestHook.duration("1h30m") == 5400)
        #expect(StatsDMappingReaderTestHook.duration("250ms") == 0.25)
        #expect(StatsDMappingReaderTestHook.duration("0") == 0)
        #expect(StatsDMappingReaderTestHook.duration("10") == nil)
        #expect(StatsDMappingReaderTestHook.duration("5 minutes") == nil)
    }

    @Test func twoGenerationCacheStaysBounded() {
        var cache = StatsDTwoGenerationCache<Int, Int>(capacity: 10)
        for i in 0..<1000 { cache.put(i, i) }
        #expect(cache.count <= 20)
        #expect(cache.get(999) == 999)
        #expect(cache.get(0) == nil)
    }
}
