import NoaCore
import Testing

@testable import NoaTraces

@Suite struct SpanMetricsTests {
    func sample(_ batch: MetricBatch, _ name: String, suffix: String = "", where labels: [Label]) -> Double? {
        batch.family(named: name)?.samples.first { s in
            s.suffix == suffix && labels.allSatisfy(s.labels.contains)
        }?.value
    }

    @Test func countsCallsErrorsAndDurationsWithHTTPDimensions() {
        let metrics = SpanMetrics(id: "spanmetrics", configuration: .init(buckets: [0.1, 1]))
        let http: [Attribute] = [
            Attribute("http.request.method", .string("GET")), Attribute("http.route", .string("/orders/{id}")),
            Attribute("http.response.status_code", .int(500)),
        ]
        metrics.record([group("shop", [
            span(trace: 1, id: 1, start: 0, end: 50_000_000, status: .error, kind: .server, name: "GET /orders/{id}", attributes: http),
            span(trace: 1, id: 2, start: 0, end: 500_000_000, status: .error, kind: .server, name: "GET /orders/{id}", attributes: http),
            span(trace: 1, id: 3, start: 0, end: 5_000_000_000, kind: .internal, name: "render"),
        ])])
        let batch = metrics.gather()
        let labels = [
            Label("service_name", "shop"), Label("span_name", "GET /orders/{id}"), Label("span_kind", "server"),
            Label("status_code", "STATUS_CODE_ERROR"), Label("http_request_method", "GET"),
            Label("http_route", "/orders/{id}"), Label("http_response_status_code", "500"),
        ]
        #expect(sample(batch, "traces_span_metrics_calls_total", where: labels) == 2)
        #expect(sample(batch, "traces_span_metrics_errors_total", where: labels) == 2)
        #expect(sample(batch, "traces_span_metrics_duration_seconds", suffix: "_bucket", where: labels + [Label("le", "0.1")]) == 1)
        #expect(sample(batch, "traces_span_metrics_duration_seconds", suffix: "_bucket", where: labels + [Label("le", "1")]) == 2)
        #expect(sample(batch, "traces_span_metrics_duration_seconds", suffix: "_bucket", where: labels + [Label("le", "+Inf")]) == 2)
        #expect(sample(batch, "traces_span_metrics_duration_seconds", suffix: "_sum", where: labels) == 0.55)
        // Internal spans are not requests.
        #expect(sample(batch, "traces_span_metrics_calls_total", where: [Label("span_name", "render")]) == nil)
        #expect(metrics.seriesCount == 1)
    }

    @Test func databaseCacheAndMessagingDimensions() {
        let metrics = SpanMetrics(id: "sm")
        metrics.record([group("cart", [
            span(trace: 1, id: 1, kind: .client, name: "SELECT orders", attributes: [
                Attribute("db.system", .string("postgresql")), Attribute("db.operation.name", .string("SELECT")),
                Attribute("db.collection.name", .string("orders")),
            ]),
            span(trace: 1, id: 2, kind: .client, name: "GET", attributes: [
                Attribute("db.system", .string("redis")), Attribute("db.operation.name", .string("GET")),
                Attribute("cache.hit", .bool(true)),
            ]),
            span(trace: 1, id: 3, kind: .client, name: "GET", attributes: [
                Attribute("db.system", .string("redis")), Attribute("db.operation.name", .string("GET")),
                Attribute("cache.hit", .bool(false)),
            ]),
            span(trace: 1, id: 4, kind: .client, name: "get", attributes: [Attribute("db.system", .string("memcached"))]),
            span(trace: 1, id: 5, kind: .consumer, name: "orders process", attributes: [
                Attribute("messaging.system", .string("kafka")), Attribute("messaging.destination.name", .string("orders")),
                Attribute("messaging.operation.type", .string("process")),
            ]),
        ])])
        let batch = metrics.gather()
        #expect(sample(batch, "traces_span_metrics_calls_total", where: [
            Label("db_system", "postgresql"), Label("db_operation", "SELECT"), Label("db_collection", "orders"),
        ]) == 1)
        let cache = [Label("service_name", "cart"), Label("db_system", "redis"), Label("db_operation", "GET")]
        #expect(sample(batch, "traces_cache_requests_total", where: cache + [Label("result", "hit")]) == 1)
        #expect(sample(batch, "traces_cache_requests_total", where: cache + [Label("result", "miss")]) == 1)
        #expect(sample(batch, "traces_cache_requests_total", where: [Label("db_system", "memcached"), Label("result", "unknown")]) == 1)
        #expect(sample(batch, "traces_cache_requests_total", where: [Label("db_system", "postgresql")]) == nil)
        #expect(sample(batch, "traces_span_metrics_calls_total", where: [
            Label("span_kind", "consumer"), Label("messaging_system", "kafka"), Label("messaging_destination", "orders"),
            Label("messaging_operation", "process"),
        ]) == 1)
    }

    @Test func cardinalityIsCappedWithAnOverflowSeries() {
        let metrics = SpanMetrics(id: "sm", configuration: .init(maxSeries: 3))
        metrics.record([group("s", (0..<10).map { i in span(trace: 1, id: UInt64(i), name: "op-\(i)") })])
        let batch = metrics.gather()
        #expect(metrics.seriesCount == 4)  // three real series and the overflow series
        #expect(metrics.overflowSpans == 7)
        #expect(sample(batch, "traces_span_metrics_calls_total", where: [Label("otel_metric_overflow", "true")]) == 7)
        #expect(sample(metrics.selfMetrics.gather(), "noa_span_metrics_overflow_total", where: [Label("component_id", "sm")]) == 7)
        #expect(sample(metrics.selfMetrics.gather(), "noa_span_metrics_series", where: [Label("component_id", "sm")]) == 4)
        #expect(batch.families.allSatisfy { !$0.name.hasPrefix("noa_") })
    }
}
