import NoaCore

/// What only an Elasticsearch sink can count, beside its runner's `noa_sink_*` (sent, retried, rejected, dropped):
/// `noa_elasticsearch_*` with the sink's `component_id`.
public struct ElasticsearchSinkMetrics: Sendable {
    public let registry: SelfMetrics
    /// Items answered 409 to `create`: already stored by an earlier attempt (a replay), counted as delivered.
    public let duplicateItems: Counter
    /// Items answered 429 or 5xx inside a 2xx bulk response, sent again.
    public let retriedItems: Counter
    /// Requests answered 413, whose batch was split in halves.
    public let splitRequests: Counter
    /// Single documents too large to send even alone (dead-lettered).
    public let oversizedItems: Counter
    /// Requests refused with 401 or 403 (the records wait for working credentials).
    public let authFailures: Counter
    /// Requests that could not reach an endpoint (refused, closed, timed out), before any failover.
    public let connectionFailures: Counter
    /// 2xx responses that were not a readable bulk response (the request is retried).
    public let malformedResponses: Counter
    /// Responses without `X-Elastic-Product: Elasticsearch` (the server may not be Elasticsearch).
    public let missingProductHeader: Counter
    /// Request body bytes before and after gzip.
    public let bodyBytes: Counter
    public let wireBytes: Counter

    public init(id: String) {
        let m = SelfMetrics(component: id)
        registry = m
        duplicateItems = m.counter(
            "noa_elasticsearch_duplicate_items_total", "Items Elasticsearch already had (409 on create), counted as delivered.")
        retriedItems = m.counter(
            "noa_elasticsearch_retried_items_total", "Items answered 429 or 5xx inside a bulk response and sent again.")
        splitRequests = m.counter("noa_elasticsearch_split_requests_total", "Bulk requests answered 413 and split.")
        oversizedItems = m.counter(
            "noa_elasticsearch_oversized_items_total", "Documents too large for Elasticsearch even alone.")
        authFailures = m.counter("noa_elasticsearch_auth_failures_total", "Requests refused with 401 or 403.")
        connectionFailures = m.counter(
            "noa_elasticsearch_connection_failures_total", "Requests that could not reach an endpoint.")
        malformedResponses = m.counter(
            "noa_elasticsearch_malformed_responses_total", "Successful answers that were not a readable bulk response.")
        missingProductHeader = m.counter(
            "noa_elasticsearch_missing_product_header_total", "Responses without X-Elastic-Product: Elasticsearch.")
        bodyBytes = m.counter("noa_elasticsearch_body_bytes_total", "Bulk request bytes before compression.")
        wireBytes = m.counter("noa_elasticsearch_wire_bytes_total", "Bulk request bytes sent (after compression).")
    }
}
