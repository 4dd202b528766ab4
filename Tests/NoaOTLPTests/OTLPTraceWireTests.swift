import Dispatch
import FoundationEssentials
import NoaCore
@testable import NoaOTLP
import NoaOTLPReference
import SwiftProtobuf
import Testing

/// The hand-written trace reader and writer against the generated swift-protobuf types they replace on the hot
/// path: the same model out of the same bytes (or the same refusal), and the same bytes out of the same model.
@Suite struct OTLPTraceWireTests {
    /// The reference path: swift-protobuf's decoder, then the model conversion.
    func reference(_ bytes: [UInt8]) -> OTLPTraceDecoding? {
        guard let request = try? OTLPExportTraceServiceRequest(serializedBytes: bytes) else { return nil }
        return request.toResourceSpans()
    }

    func same(_ a: OTLPTraceDecoding?, _ b: OTLPTraceDecoding?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?):
            return a.resourceSpans == b.resourceSpans && a.acceptedSpans == b.acceptedSpans
                && a.rejectedSpans == b.rejectedSpans && a.firstIssue == b.firstIssue
        default: return false
        }
    }

    @Test func readsTheReferenceEncodingAsSwiftProtobufDoes() throws {
        let ours = try OTLPTraceWire.decodeRequest(goldenTraceRequest)
        #expect(ours.acceptedSpans == 2)
        #expect(same(ours, reference(goldenTraceRequest)))
    }

    @Test func writesTheBytesSwiftProtobufWrites() throws {
        let model = try OTLPTraceWire.decodeRequest(goldenTraceRequest).resourceSpans
        let ours = OTLPTraceWire.encodeRequest(model)
        let theirs: [UInt8] = try OTLPExportTraceServiceRequest(model).serializedBytes()
        #expect(ours == theirs)
    }

    /// Runs CPU-heavy test work on a Dispatch thread: on two cores, seconds of it on one of the two cooperative
    /// threads would starve the timing-sensitive tests running beside it.
    func offThePool(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    @Test func generatedModelsRoundTripByteForByte() async throws {
        try await offThePool { try self.roundTrips() }
    }

    func roundTrips() throws {
        var rng = SplitMix(seed: 42)
        for _ in 0..<300 {
            let model = randomGroups(&rng)
            let ours = OTLPTraceWire.encodeRequest(model)
            let theirs: [UInt8] = try OTLPExportTraceServiceRequest(model).serializedBytes()
            #expect(ours == theirs)
            let back = try OTLPTraceWire.decodeRequest(ours)
            #expect(same(back, reference(ours)))
            #expect(back.resourceSpans == model.filter { $0.spanCount > 0 }.map { group in
                var g = group
                g.scopeSpans.removeAll { $0.spans.isEmpty }
                return g
            })
        }
    }

    /// Every truncation and many corruptions of real requests: both readers refuse, or both read the same.
    @Test func malformedBodiesAreReadOrRefusedAsSwiftProtobufDoes() async throws {
        try await offThePool { try self.malformedBodies() }
    }

    func malformedBodies() throws {
        var rng = SplitMix(seed: 7)
        var bodies = [goldenTraceRequest]
        for _ in 0..<20 { bodies.append(OTLPTraceWire.encodeRequest(randomGroups(&rng))) }
        var refused = 0
        for body in bodies {
            for cut in stride(from: 0, to: body.count, by: max(1, body.count / 60)) {
                let truncated = Array(body[..<cut])
                let ours = try? OTLPTraceWire.decodeRequest(truncated)
                if ours == nil { refused += 1 }
                #expect(same(ours, reference(truncated)), "truncated at \(cut)")
            }
            for _ in 0..<80 where !body.isEmpty {
                var corrupt = body
                for _ in 0..<1 + Int(rng.next() % 3) {
                    corrupt[Int(rng.next() % UInt64(corrupt.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                let ours = try? OTLPTraceWire.decodeRequest(corrupt)
                let agree = same(ours, reference(corrupt))
                if !agree {
                    var why = "accepted"
                    do { _ = try OTLPTraceWire.decodeRequest(corrupt) } catch { why = error.message }
                    var reason = "accepted"
                    do { _ = try OTLPExportTraceServiceRequest(serializedBytes: corrupt) } catch { reason = "\(error)" }
                    Issue.record("a corrupted body read differently: ours \(why), swift-protobuf \(reason)")
                }
            }
        }
        #expect(refused > 0)
    }

    /// Varints: bits past the 64th are dropped (swift-protobuf's rule), an 11th byte is malformed.
    @Test(arguments: [
        ([0x0A, 0x0D, 0x0A, 0x0B, 0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x7F], true),
        ([0x0A, 0x0E, 0x0A, 0x0C, 0x10] + [UInt8](repeating: 0xFF, count: 10) + [0x01], false),
        ([0x0A, 0x05, 0x0A, 0x03, 0x10, 0x80], false),
    ] as [([UInt8], Bool)])
    func longVarintsAreReadAsSwiftProtobufReadsThem(body: [UInt8], readable: Bool) throws {
        let ours = try? OTLPTraceWire.decodeRequest(body)
        #expect((ours != nil) == readable)
        #expect((reference(body) != nil) == readable)
        #expect(same(ours, reference(body)))
    }

    @Test func invalidIdsRejectTheSpanNotTheRequest() throws {
        var group = try OTLPTraceWire.decodeRequest(goldenTraceRequest).resourceSpans[0]
        group.scopeSpans[0].spans[0].traceID = TraceID.invalid
        let bytes = OTLPTraceWire.encodeRequest([group])
        let ours = try OTLPTraceWire.decodeRequest(bytes)
        #expect(ours.rejectedSpans == 1)
        #expect(ours.firstIssue == OTLPSpanIssue.badTraceID(byteCount: 16))
        #expect(same(ours, reference(bytes)))
    }

    // MARK: - Generated models

    func randomGroups(_ rng: inout SplitMix) -> [ResourceSpans] {
        (0..<1 + Int(rng.next() % 3)).map { _ in
            ResourceSpans(
                resource: Resource(attributes: randomAttributes(&rng, depth: 1), droppedAttributesCount: UInt32(rng.next() % 2)),
                schemaURL: rng.next() % 2 == 0 ? "" : "https://opentelemetry.io/schemas/1.26.0",
                scopeSpans: (0..<1 + Int(rng.next() % 3)).map { _ in
                    ScopeSpans(
                        scope: rng.next() % 3 == 0 ? InstrumentationScope()
                            : InstrumentationScope(name: "lib", version: rng.next() % 2 == 0 ? "" : "1.0",
                                                   attributes: randomAttributes(&rng, depth: 1)),
                        schemaURL: rng.next() % 4 == 0 ? "s" : "",
                        spans: (0..<Int(rng.next() % 5)).map { _ in randomSpan(&rng) })
                })
        }
    }

    func randomSpan(_ rng: inout SplitMix) -> Span {
        let start = rng.next() % 2 == 0 ? 0 : rng.next() >> 1
        return Span(
            traceID: TraceID(high: rng.next(), low: rng.next() | 1), spanID: SpanID(rng.next() | 1),
            parentSpanID: rng.next() % 2 == 0 ? nil : SpanID(rng.next() | 1),
            traceState: rng.next() % 4 == 0 ? "k=v" : "", flags: rng.next() % 2 == 0 ? 0 : UInt32(truncatingIfNeeded: rng.next()),
            name: ["", "GET /x", "SELECT ü", String(repeating: "n", count: 200)][Int(rng.next() % 4)],
            kind: SpanKind(rawValue: Int32(rng.next() % 6))!, startTimeUnixNano: start,
            endTimeUnixNano: start &+ rng.next() % 1_000_000_000,
            attributes: randomAttributes(&rng, depth: 2), droppedAttributesCount: UInt32(rng.next() % 3),
            events: (0..<Int(rng.next() % 3)).map { _ in
                SpanEvent(timeUnixNano: rng.next() % 2 == 0 ? 0 : rng.next(), name: rng.next() % 3 == 0 ? "" : "retry",
                          attributes: randomAttributes(&rng, depth: 1), droppedAttributesCount: UInt32(rng.next() % 2))
            },
            droppedEventsCount: UInt32(rng.next() % 2),
            links: (0..<Int(rng.next() % 3)).map { _ in
                SpanLink(traceID: TraceID(high: rng.next(), low: rng.next()), spanID: SpanID(rng.next()),
                         traceState: rng.next() % 2 == 0 ? "" : "a=b", attributes: randomAttributes(&rng, depth: 1),
                         droppedAttributesCount: UInt32(rng.next() % 2), flags: UInt32(rng.next() % 3))
            },
            droppedLinksCount: UInt32(rng.next() % 2),
            status: SpanStatus(code: SpanStatus.Code(rawValue: Int32(rng.next() % 3))!, message: rng.next() % 3 == 0 ? "boom" : ""))
    }

    func randomAttributes(_ rng: inout SplitMix, depth: Int) -> [Attribute] {
        (0..<Int(rng.next() % 5)).map { i in Attribute(["k", "http.request.method", "", "db.system.name"][i % 4], randomValue(&rng, depth: depth)) }
    }

    func randomValue(_ rng: inout SplitMix, depth: Int) -> AttributeValue {
        switch rng.next() % (depth > 0 ? 7 : 5) {
        case 0: return .string(rng.next() % 3 == 0 ? "" : "value é")
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: rng.next() >> (rng.next() % 64)) * (rng.next() % 2 == 0 ? 1 : -1))
        case 3: return .double(rng.next() % 2 == 0 ? 0 : Double(rng.next() % 1000) / 7)
        case 4: return .bytes((0..<Int(rng.next() % 4)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        case 5: return .array((0..<Int(rng.next() % 3)).map { _ in randomValue(&rng, depth: depth - 1) })
        default: return .map(randomAttributes(&rng, depth: depth - 1))
        }
    }
}

/// A small seeded generator, so every run tests the same cases.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
