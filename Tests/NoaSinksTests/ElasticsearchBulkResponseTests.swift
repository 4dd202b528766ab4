import NoaSinks
import Testing

@Suite struct ElasticsearchBulkResponseTests {
    typealias Outcome = ElasticsearchBulkResponse.Outcome

    @Test(arguments: [
        // A clean answer is not read item by item.
        (#"{"took":3,"errors":false,"items":[{"create":{"status":201}}]}"#, ElasticsearchBulkResponse(errors: false, items: [])),
        (#"  {"errors" : false}"#, ElasticsearchBulkResponse(errors: false, items: [])),
        (#"{"took":{"nested":[1,"}"]},"errors":false,"items":[]}"#, ElasticsearchBulkResponse(errors: false, items: [])),
        // filter_path=errors,items.*.status,items.*.error, as the sink asks.
        (#"{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[a]: version conflict, document already exists (current version [1])"}}}]}"#,
         ElasticsearchBulkResponse(errors: true, items: [.stored, .alreadyThere])),
        (#"{"took":1,"errors":true,"items":[{"create":{"_index":"x","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}},{"create":{"status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}]}"#,
         ElasticsearchBulkResponse(errors: true, items: [
            .retry(status: 429, reason: "es_rejected_execution_exception: queue full"),
            .retry(status: 503, reason: "unavailable_shards_exception: primary shard is not active")])),
        (#"{"errors":true,"items":[{"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [process.pid] of type [long]","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"abc\""}}}}]}"#,
         ElasticsearchBulkResponse(errors: true, items: [
            .rejected(status: 400, reason: #"mapper_parsing_exception: failed to parse field [process.pid] of type [long] (caused by illegal_argument_exception: For input string: "abc")"#)])),
        // 409 on index (not create) is a real conflict; an error given as a string; 404 with no error at all.
        (#"{"errors":true,"items":[{"index":{"status":409}},{"create":{"status":400,"error":"bad"}},{"create":{"status":404}},{"index":{"status":200}}]}"#,
         ElasticsearchBulkResponse(errors: true, items: [
            .rejected(status: 409, reason: "status 409"), .rejected(status: 400, reason: "bad"),
            .rejected(status: 404, reason: "status 404"), .stored])),
    ])
    func parses(_ body: String, _ expected: ElasticsearchBulkResponse) throws {
        #expect(try ElasticsearchBulkResponse.parse(Array(body.utf8)) == expected)
    }

    @Test(arguments: [
        "", "[]", "null", "{", #"{"took":1}"#, #"{"errors":"no"}"#, #"{"errors":true}"#,
        #"{"errors":true,"items":[{"create":{"status":"201"}}]"#,  // truncated
        #"{"errors":true,"items":[{"create":{}}]}"#,  // no status
        #"{"errors":true,"items":[{"create":{"status":201},"index":{"status":201}}]}"#,  // two ops in one item
        #"{"errors":true,"items":[{"create":{"status":999}}]}"#,
        #"{"errors":true,"items":[42]}"#,
        #"<html>502 Bad Gateway</html>"#,
    ])
    func refusesMalformed(_ body: String) {
        #expect(throws: ElasticsearchBulkResponse.Malformed.self) { try ElasticsearchBulkResponse.parse(Array(body.utf8)) }
    }

    @Test func longReasonsAreClipped() throws {
        let long = String(repeating: "é", count: 2000)
        let body = #"{"errors":true,"items":[{"create":{"status":400,"error":{"type":"t","reason":""# + long + #""}}}]}"#
        let parsed = try ElasticsearchBulkResponse.parse(Array(body.utf8))
        guard case .rejected(_, let reason) = parsed.items.first else {
            Issue.record("expected a rejection, got \(parsed)")
            return
        }
        #expect(reason.utf8.count <= 1024 + 3)
        #expect(reason.hasPrefix("t: éé"))
        #expect(reason.hasSuffix("…"))
    }
}
