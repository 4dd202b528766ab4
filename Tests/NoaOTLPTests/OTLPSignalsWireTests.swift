import Dispatch
import FoundationEssentials
import NoaCore
@testable import NoaOTLP
import NoaOTLPReference
import SwiftProtobuf
import Testing

/// A metrics request serialised by the reference Python library (`Fixtures/make_golden_signals.py`): gauge, delta
/// and cumulative sums, histogram, exponential histogram, summary, exemplars, metadata, a metric with no data.
let goldenMetricsRequest: [UInt8] = hexBytes(
    [
        "0a8b080a5b0a1a0a0c736572766963652e6e616d65120a0a08636865636b6f75740a1b0a11736572766963652e6e616d6573",
        "7061636512060a0473686f700a1e0a13736572766963652e696e7374616e63652e696412070a057765622d3110011282070a",
        "210a18696f2e6f70656e74656c656d657472792e72756e74696d651205312e322e3312f4010a0e70726f636573732e6d656d",
        "6f727912105265736964656e74206d656d6f72792e1a0242792aba010a741101000000000000001902000000000000002100",
        "000000000290402a3c11050000000000000019000000000000f83f2208eee19b7ec3c1b1742a105b8efff798038103d269b6",
        "33813fc60c3a0c0a047573657212040a0275313a0e0a05737461746512050a037273733a090a037069641202182a0a421903",
        "0000000000000031f9ffffffffffffff3a0e0a05737461746512050a03766d733a080a026f6b120210013a120a0572617469",
        "6f120921000000000000d03f4001620f0a06736f7572636512050a0373646b12650a14687474702e7365727665722e726571",
        "7565737473120952657175657374732e1a01313a3f0a39110a00000000000000191400000000000000310500000000000000",
        "3a1c0a0a687474702e726f757465120e0a0c2f6f72646572732f7b69647d1001180112250a0b71756575652e64657074683a",
        "160a12191400000000000000210000000000000cc0100212e1010a14687474702e7365727665722e6475726174696f6e1a01",
        "734ac5010abe0111010000000000000019020000000000000021060000000000000029000000000000f43f32180100000000",
        "000000020000000000000003000000000000003a109a9999999999b93f000000000000e03f423c1105000000000000001900",
        "0000000000f83f2208eee19b7ec3c1b1742a105b8efff798038103d269b633813fc60c3a0c0a047573657212040a0275314a",
        "1c0a13687474702e726571756573742e6d6574686f6412050a03474554597b14ae47e17a843f61cdccccccccccec3f0a0010",
        "0212650a0b6c6174656e63792e65787052560a500a080a016b12030a01762103000000000000002900000000000000403003",
        "39010000000000000042070801120301ac024a03120102619a9999999999b93f69000000000000f03f71fca9f1d24d62503f",
        "0a00100112590a0b7270632e73756d6d6172795a4a0a48210400000000000000290000000000002040321209000000000000",
        "e03f11000000000000f03f321209ae47e17a14aeef3f1100000000000010403a0c0a0372706312050a0367657412090a076e",
        "6f2e646174611a2768747470733a2f2f6f70656e74656c656d657472792e696f2f736368656d61732f312e32362e301a2768",
        "747470733a2f2f6f70656e74656c656d657472792e696f2f736368656d61732f312e32362e30",
    ].joined())

/// A logs request from the same script: string and structured bodies, ids, severities, a record with a trace id of
/// the wrong length and one with a span id of the wrong length (rejected one by one).
let goldenLogsRequest: [UInt8] = hexBytes(
    [
        "0a81030a5b0a1a0a0c736572766963652e6e616d65120a0a08636865636b6f75740a1b0a11736572766963652e6e616d6573",
        "7061636512060a0473686f700a1e0a13736572766963652e696e7374616e63652e696412070a057765622d31100112f2010a",
        "290a0f636865636b6f75742e6c6f676765721203302e311a110a0a73636f70652e6174747212030a01781281010915cd853d",
        "fe9c971710111a054552524f522a130a117061796d656e74206661696c656420c3a9320e0a086f726465722e696412021811",
        "320c0a04626c6f6212043a0200ff380245010000004a105b8efff798038103d269b633813fc60c5208eee19b7ec3c1b17459",
        "15ae7b43fe9c9717620e7061796d656e742e6661696c6564122710092a1a32180a160a016112112a0f0a0218010a09210000",
        "000000000440590500000000000000120e2a080a066261642069644a02010212081063520401020304120412022a001a2768",
        "747470733a2f2f6f70656e74656c656d657472792e696f2f736368656d61732f312e32362e30",
    ].joined())

/// The hand-written metrics and logs readers and the response writer, against swift-protobuf's generated types
/// (the `NoaOTLPReference` target): the same model out of the same bytes, the same refusals, the same bytes out.
@Suite struct OTLPSignalsWireTests {
    func referenceMetrics(_ bytes: [UInt8]) -> OTLPMetricsRequest? {
        guard let request = try? OTLPExportMetricsServiceRequest(serializedBytes: bytes) else { return nil }
        return OTLPMetricsRequest(reference: request)
    }

    func referenceLogs(_ bytes: [UInt8]) -> OTLPLogsRequest? {
        guard let request = try? OTLPExportLogsServiceRequest(serializedBytes: bytes) else { return nil }
        return OTLPLogsRequest(reference: request)
    }

    @Test func readsTheReferenceMetricsAsSwiftProtobufDoes() throws {
        let ours = try OTLPMetricsWire.decodeRequest(goldenMetricsRequest)
        #expect(ours == referenceMetrics(goldenMetricsRequest))
        let group = try #require(ours.resourceMetrics.first)
        #expect(group.resource.attributes.count == 3)
        #expect(group.resource.droppedAttributesCount == 1)
        let metrics = try #require(group.scopeMetrics.first).metrics
        #expect(metrics.map(\.name) == [
            "process.memory", "http.server.requests", "queue.depth", "http.server.duration", "latency.exp",
            "rpc.summary", "no.data",
        ])
        #expect(metrics[0].description == "Resident memory.")
        guard case .gauge(let gauge)? = metrics[0].data else { Issue.record("not a gauge"); return }
        #expect(gauge.map(\.value) == [1024.5, -7])
        #expect(gauge[1].flags == 1)
        #expect(metrics[1].data == .sum(
            [OTLPMetricsRequest.NumberPoint(
                attributes: [Attribute("http.route", .string("/orders/{id}"))], startTimeUnixNano: 10, timeUnixNano: 20,
                value: 5)],
            temporality: .delta, monotonic: true))
        guard case .histogram(let points, .cumulative)? = metrics[3].data else { Issue.record("not a histogram"); return }
        #expect(points[0].bucketCounts == [1, 2, 3])
        #expect(points[0].explicitBounds == [0.1, 0.5])
        #expect(points[0].sum == 1.25 && points[0].min == 0.01 && points[0].max == 0.9)
        #expect(points[1].sum == nil)
        #expect(metrics[4].data == .exponentialHistogram(points: 2))
        #expect(metrics[5].data == .summary(points: 1))
        #expect(metrics[6].data == nil)
    }

    @Test func readsTheReferenceLogsAsSwiftProtobufDoes() throws {
        let ours = try OTLPLogsWire.decodeRequest(goldenLogsRequest)
        #expect(ours == referenceLogs(goldenLogsRequest))
        // And the records the log pipeline gets are those the generated path gave.
        let records = ours.toLogRecords()
        let theirs = try OTLPExportLogsServiceRequest(serializedBytes: goldenLogsRequest).toLogRecords()
        #expect(records.records == theirs.records)
        #expect(records.rejected == 2 && theirs.rejected == 2)
        #expect(records.firstIssue == theirs.firstIssue)
        let first = try #require(records.records.first)
        #expect(first.message == "payment failed \u{e9}")
        #expect(first.traceID?.count == 16 && first.spanID?.count == 8)
        #expect(first.severity == Severity(number: 17))
        #expect(records.records[1].message == #"{"a":[1,2.5]}"#)
    }

    /// Every truncation and many corruptions of the reference requests: both readers refuse, or both read the same.
    @Test func malformedBodiesAreReadOrRefusedAsSwiftProtobufDoes() async throws {
        try await offThePool {
            var rng = SplitMix(seed: 11)
            let metrics = self.malformed(goldenMetricsRequest, &rng, ours: { try? OTLPMetricsWire.decodeRequest($0) }, theirs: self.referenceMetrics)
            let logs = self.malformed(goldenLogsRequest, &rng, ours: { try? OTLPLogsWire.decodeRequest($0) }, theirs: self.referenceLogs)
            #expect(metrics > 0 && logs > 0)
        }
    }

    /// How many of the altered bodies were refused; a disagreement is an issue.
    func malformed<T: Equatable>(
        _ body: [UInt8], _ rng: inout SplitMix, ours: ([UInt8]) -> T?, theirs: ([UInt8]) -> T?
    ) -> Int {
        var refused = 0
        for cut in 0..<body.count {
            let truncated = Array(body[..<cut])
            let mine = ours(truncated)
            if mine == nil { refused += 1 }
            #expect(mine == theirs(truncated), "truncated at \(cut)")
        }
        for _ in 0..<3000 {
            var corrupt = body
            for _ in 0..<1 + Int(rng.next() % 3) {
                corrupt[Int(rng.next() % UInt64(corrupt.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            let mine = ours(corrupt)
            if mine == nil { refused += 1 }
            if mine != theirs(corrupt) {
                Issue.record("a corrupted body read differently: \(corrupt.map { String($0, radix: 16) })")
            }
        }
        return refused
    }

    /// Hand-built bodies, in order: histogram bucket counts one per field and bounds packed; a gauge twice (merged),
    /// then a sum (replacing it), then a sum again (merged, temporality kept); a temporality the schema does not
    /// name and `is_monotonic` with the wrong wire type; packed bucket counts of 5 bytes; `as_int`, `as_double`,
    /// `as_int` (the last wins); a truncated varint in exponential-histogram buckets; a truncated double in a summary
    /// quantile; invalid UTF-8 in metadata and in an exemplar's attribute. Each is read or refused as swift-protobuf
    /// does.
    @Test(arguments: [
        "0a34123212300a03612e624a290a253101000000000000003102000000000000003a08000000000000f03f2900000000000004401001",
        "0a34123212300a01672a0b0a092100000000000000402a0b0a092100000000000008403a04100118013a0b0a09210000000000001040",
        "0a14121212100a01733a0b1007190100000000000000",
        "0a121210120e0a01684a090a0732050102030405",
        "0a26122412220a016e2a1d0a1b31050000000000000021000000000000f83f31f7ffffffffffffff",
        "0a10120e120c0a016552070a054203120180",
        "0a10120e120c0a01715a070a053203090000",
        "0a0c120a12080a016d62030a01ff",
        "0a121210120e0a01782a090a072a053a030a01c3",
    ])
    func edgeCasesAreReadAsSwiftProtobufReadsThem(hex: String) throws {
        let body = hexBytes(hex)
        #expect((try? OTLPMetricsWire.decodeRequest(body)) == referenceMetrics(body))
    }

    @Test(arguments: [(Int64(0), ""), (1, ""), (0, "why"), (3, "trace_id must be 16 bytes"), (Int64.max, "\u{e9}"), (-1, "x")])
    func responsesAreTheBytesSwiftProtobufWrites(rejected: Int64, message: String) throws {
        var trace = OTLPExportTraceServiceResponse()
        var metrics = OTLPExportMetricsServiceResponse()
        var logs = OTLPExportLogsServiceResponse()
        if rejected != 0 || !message.isEmpty {
            trace.partialSuccess.rejectedSpans = rejected
            trace.partialSuccess.errorMessage = message
            metrics.partialSuccess.rejectedDataPoints = rejected
            metrics.partialSuccess.errorMessage = message
            logs.partialSuccess.rejectedLogRecords = rejected
            logs.partialSuccess.errorMessage = message
        }
        let ours = OTLPResponseWire.encode(rejected: rejected, errorMessage: message)
        #expect(ours == (try trace.serializedBytes()))
        #expect(ours == (try metrics.serializedBytes()))
        #expect(ours == (try logs.serializedBytes()))
        let back = OTLPResponseWire.decode(ours)
        if rejected == 0 && message.isEmpty {
            #expect(back == nil)
        } else {
            #expect(back?.rejected == rejected && back?.errorMessage == message)
        }
    }

    @Test func responseReaderAgreesWithSwiftProtobufOnOddBodies() throws {
        // An empty partial success, one repeated (merged), unknown fields, garbage.
        for hex in ["", "0a00", "0a0208050a0412027879", "1801", "0a0508", "ff", "0a03120180"] {
            let body = hexBytes(hex)
            let theirs = try? OTLPExportTraceServiceResponse(serializedBytes: body)
            let ours = OTLPResponseWire.decode(body)
            switch (ours, theirs) {
            case (nil, nil): break
            case (nil, let t?): #expect(!t.hasPartialSuccess, "\(hex)")
            case (let o?, let t?):
                #expect(t.hasPartialSuccess && o.rejected == t.partialSuccess.rejectedSpans
                    && o.errorMessage == t.partialSuccess.errorMessage, "\(hex)")
            case (_?, nil): Issue.record("read a body swift-protobuf refuses: \(hex)")
            }
        }
    }

    /// CPU-heavy work on a Dispatch thread (see OTLPTraceWireTests).
    func offThePool(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
