import NoaCore
import Synchronization

/// What only an Elasticsearch sink can count, beside the runner's `SinkStatistics` (sent, retried, rejected,
/// dropped): served on `/metrics` as `noa_elasticsearch_*` with the sink's `component_id`.
public final class ElasticsearchSinkStatistics: Sendable {
    public let id: String
    /// Items answered 409 to `create`: already stored by an earlier attempt (a replay), counted as delivered.
    public let duplicateItems = Atomic<Int>(0)
    /// Items answered 429 or 5xx inside a 2xx bulk response, sent again.
    public let retriedItems = Atomic<Int>(0)
    /// Requests answered 413, whose batch was split in halves.
    public let splitRequests = Atomic<Int>(0)
    /// Single documents too large to send even alone (dead-lettered).
    public let oversizedItems = Atomic<Int>(0)
    /// Requests refused with 401 or 403 (the records wait for working credentials).
    public let authFailures = Atomic<Int>(0)
    /// Requests that could not reach an endpoint (refused, closed, timed out), before any failover.
    public let connectionFailures = Atomic<Int>(0)
    /// 2xx responses that were not a readable bulk response (the request is retried).
    public let malformedResponses = Atomic<Int>(0)
    /// Responses without `X-Elastic-Product: Elasticsearch` (the server may not be Elasticsearch).
    public let missingProductHeader = Atomic<Int>(0)
    /// Request body bytes before and after gzip.
    public let bodyBytes = Atomic<Int>(0)
    public let wireBytes = Atomic<Int>(0)

    public init(id: String) {
        self.id = id
    }

    /// Adds this sink's samples; families are shared by every Elasticsearch sink, and `MetricBatch` merges them.
    public func add(to batch: inout MetricBatch) {
        let labels = [Label("component_id", id)]
        func counter(_ name: String, _ help: String, _ value: borrowing Atomic<Int>) {
            batch.add(name, .counter, help, value: Double(value.load(ordering: .relaxed)), labels: labels)
        }
        counter("noa_elasticsearch_duplicate_items_total", "Items Elasticsearch already had (409 on create), counted as delivered.", duplicateItems)
        counter("noa_elasticsearch_retried_items_total", "Items answered 429 or 5xx inside a bulk response and sent again.", retriedItems)
        counter("noa_elasticsearch_split_requests_total", "Bulk requests answered 413 and split.", splitRequests)
        counter("noa_elasticsearch_oversized_items_total", "Documents too large for Elasticsearch even alone.", oversizedItems)
        counter("noa_elasticsearch_auth_failures_total", "Requests refused with 401 or 403.", authFailures)
        counter("noa_elasticsearch_connection_failures_total", "Requests that could not reach an endpoint.", connectionFailures)
        counter("noa_elasticsearch_malformed_responses_total", "Successful answers that were not a readable bulk response.", malformedResponses)
        counter("noa_elasticsearch_missing_product_header_total", "Responses without X-Elastic-Product: Elasticsearch.", missingProductHeader)
        counter("noa_elasticsearch_body_bytes_total", "Bulk request bytes before compression.", bodyBytes)
        counter("noa_elasticsearch_wire_bytes_total", "Bulk request bytes sent (after compression).", wireBytes)
    }
}
