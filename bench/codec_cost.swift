// The driver of bench/codec_cost.sh: runs one codec of the hot paths over pre-built input, `rounds` times, and
// prints how much work it did. Run twice under callgrind with two round counts, the difference of the
// instructions over the difference of the work is the cost per span, entry or document, without start-up and
// set-up. Modes:
//   otlp-encode, otlp-decode   a 512-span ExportTraceServiceRequest (the shapes of bench/otlp_throughput.py)
//   zipkin-encode, zipkin-decode   the same spans as Zipkin v2 JSON (JSONWriter, JSONParser)
//   journal-encode             1000 journal entries of 24 fields framed as the reader child frames them
//   journal-decode             those frames decoded from 64 KiB reads, every field of every entry visited
//   journal-map                decoded and mapped to log records (the journald source's path)
//   ecs                        1000 such records written as ECS NDJSON lines (the file and Elasticsearch sinks)
//   statsd-plain, statsd-dogstatsd, statsd-influx   a 1000-line payload through StatsDParser, every sample kept
//                              (the lines of bench/statsd_parser.sh)
#if canImport(Glibc)
import Glibc
#endif
import NoaCodecs
import NoaCore
import NoaJournal
import NoaOTLP

let modes = ["otlp-encode", "otlp-decode", "zipkin-encode", "zipkin-decode", "journal-encode", "journal-decode",
             "journal-map", "ecs", "statsd-plain", "statsd-dogstatsd", "statsd-influx"]
let arguments = CommandLine.arguments
guard arguments.count == 3, modes.contains(arguments[1]), let rounds = Int(arguments[2]) else {
    print("usage: codec-cost MODE ROUNDS (modes: \(modes.joined(separator: " ")))")
    exit(2)
}

/// A deterministic generator (xorshift64*), so every run does the same work.
struct Random {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(next() % UInt64(choices.count))] }
}

/// Server and database client spans in one resource and scope, as bench/otlp_throughput.py sends them.
func spanGroups(count: Int) -> [ResourceSpans] {
    var rng = Random()
    let routes = ["/api/orders", "/api/orders/{id}", "/api/cart", "/api/users/{id}", "/health"]
    var spans: [Span] = []
    let now: UInt64 = 1_765_000_000_000_000_000
    for i in 0..<count {
        let server = i % 2 == 0
        let start = now - rng.next() % 1_000_000_000
        let attributes: [Attribute] = server ? [
            Attribute("http.request.method", .string(rng.pick(["GET", "POST"]))),
            Attribute("http.route", .string(rng.pick(routes))),
            Attribute("http.response.status_code", .int(rng.pick([200, 200, 200, 201, 404, 500]))),
            Attribute("url.scheme", .string("http")),
            Attribute("server.address", .string("shop.internal")),
            Attribute("network.protocol.version", .string("1.1")),
        ] : [
            Attribute("db.system", .string("postgresql")),
            Attribute("db.operation.name", .string(rng.pick(["SELECT", "INSERT"]))),
            Attribute("db.collection.name", .string(rng.pick(["orders", "users"]))),
            Attribute("server.address", .string("db.internal")),
            Attribute("server.port", .int(5432)),
            Attribute("db.query.text", .string("SELECT * FROM orders WHERE id = $1")),
        ]
        var span = Span(
            traceID: TraceID(high: rng.next() | 1, low: rng.next()), spanID: SpanID(rng.next() | 1),
            name: server ? "GET /api/orders" : "SELECT orders", kind: server ? .server : .client,
            startTimeUnixNano: start, endTimeUnixNano: start + 100_000 + rng.next() % 50_000_000)
        span.parentSpanID = server ? nil : SpanID(rng.next() | 1)
        span.attributes = attributes
        spans.append(span)
    }
    let resource = Resource(attributes: [
        Attribute("service.name", .string("shop")), Attribute("service.version", .string("1.4.2")),
        Attribute("host.name", .string("web-1")), Attribute("telemetry.sdk.language", .string("python")),
        Attribute("telemetry.sdk.name", .string("opentelemetry")),
    ])
    let scope = ScopeSpans(scope: InstrumentationScope(name: "shop.http", version: "1.0"), spans: spans)
    return [ResourceSpans(resource: resource, scopeSpans: [scope])]
}

/// Journal entries with the fields journald gives a service's line (24, with a 60-140 byte message).
func journalEntries(count: Int) -> [JournalEntry] {
    var rng = Random()
    let boot = JournalID128(high: 0x0123_4567_89ab_cdef, low: 0x0123_4567_89ab_cdef)
    let services = ["nginx.service", "postgresql@15-main.service", "cron.service", "sshd.service"]
    var entries: [JournalEntry] = []
    for n in 0..<count {
        let service = rng.pick(services)
        let pid = String(1000 + rng.next() % 30000)
        let realtime = 1_765_000_000_000_000 + UInt64(n) * 1000
        let message = "request \(n) served in \(rng.next() % 900) ms for client 10.0.\(rng.next() % 256).\(rng.next() % 256)"
            + String(repeating: " detail", count: Int(rng.next() % 12))
        let fields: [JournalField] = [
            JournalField("_BOOT_ID", "0123456789abcdef0123456789abcdef"),
            JournalField("_MACHINE_ID", "5c1e4f2b9a8d4e7f8a6b3c2d1e0f9a8b"), JournalField("_HOSTNAME", "web-1"),
            JournalField("_TRANSPORT", "stdout"), JournalField("PRIORITY", rng.pick(["6", "6", "6", "4", "3"])),
            JournalField("SYSLOG_FACILITY", "3"), JournalField("SYSLOG_IDENTIFIER", String(service.prefix { $0 != "." })),
            JournalField("_PID", pid), JournalField("_UID", "33"), JournalField("_GID", "33"),
            JournalField("_COMM", String(service.prefix { $0 != "." && $0 != "@" })),
            JournalField("_EXE", "/usr/sbin/" + service.prefix { $0 != "." && $0 != "@" }),
            JournalField("_CMDLINE", "/usr/sbin/" + service.prefix { $0 != "." && $0 != "@" } + " -g daemon off;"),
            JournalField("_CAP_EFFECTIVE", "0"), JournalField("_SELINUX_CONTEXT", "unconfined\n"),
            JournalField("_SYSTEMD_CGROUP", "/system.slice/" + service), JournalField("_SYSTEMD_UNIT", service),
            JournalField("_SYSTEMD_SLICE", "system.slice"),
            JournalField("_SYSTEMD_INVOCATION_ID", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
            JournalField("_STREAM_ID", "4e3d2c1b0a9f8e7d6c5b4a3928170605"),
            JournalField("MESSAGE", message), JournalField("CODE_FILE", "src/server.c"),
            JournalField("CODE_LINE", String(100 + rng.next() % 900)),
            JournalField("_SOURCE_REALTIME_TIMESTAMP", String(realtime - 40)),
        ]
        let cursor = "s=a85c4fabc3314e1e83e960914ae8c228;i=\(String(UInt64(n) + 0x1f4, radix: 16));"
            + "b=0123456789abcdef0123456789abcdef;m=\(String(UInt64(n) * 1000, radix: 16));"
            + "t=\(String(realtime, radix: 16));x=\(String(rng.next(), radix: 16))"
        entries.append(JournalEntry(cursor: cursor, realtime: realtime, monotonic: UInt64(n) * 1000, bootID: boot, fields: fields))
    }
    return entries
}

/// Keeps a result alive, so the optimiser can't drop the work that made it.
@inline(never)
func consume(_ value: Int) {
    if value == 42 { print("") }
}

/// Runs `mode` `rounds` times; returns the unit of work and how many were done. (A function, not top-level code:
/// closures in top-level code are isolated to the main actor and check their executor on every call.)
func run(_ mode: String, rounds: Int) -> (unit: String, done: Int) {
    var done = 0
    var unit = "span"
    switch mode {
    case "otlp-encode", "zipkin-encode":
        let encode = mode == "otlp-encode" ? OTLPTraceWire.encodeRequest : ZipkinV2.encode
        let groups = spanGroups(count: 512)
        for _ in 0..<rounds {
            consume(encode(groups).count)
            done += 512
        }
    case "otlp-decode", "zipkin-decode":
        let otlp = mode == "otlp-decode"
        let body = otlp ? OTLPTraceWire.encodeRequest(spanGroups(count: 512)) : ZipkinV2.encode(spanGroups(count: 512))
        for _ in 0..<rounds {
            consume(otlp ? (try! OTLPTraceWire.decodeRequest(body)).acceptedSpans : (try! ZipkinV2.decode(body)).acceptedSpans)
            done += 512
        }
    case "journal-encode":
        // As the reader child frames an entry: the cursor's and fields' bytes lent as raw buffers (libsystemd's).
        unit = "entry"
        let entries = journalEntries(count: 1000).map { entry in
            (entry, Array(entry.cursor.utf8), entry.fields.map { (Array($0.name.utf8), $0.value) })
        }
        var buffer: [UInt8] = []
        for _ in 0..<rounds {
            buffer.removeAll(keepingCapacity: true)
            for (entry, cursor, fields) in entries {
                cursor.withUnsafeBufferPointer { cursor in
                    JournalFrame.appendEntry(
                        into: &buffer, realtime: entry.realtime, monotonic: entry.monotonic, bootID: entry.bootID,
                        cursor: cursor
                    ) { append in
                        for (name, value) in fields {
                            name.withUnsafeBytes { name in value.withUnsafeBytes { append(name, $0) } }
                        }
                    }
                }
            }
            consume(buffer.count)
            done += entries.count
        }
    case "journal-decode", "journal-map":
        unit = "entry"
        var stream: [UInt8] = []
        for entry in journalEntries(count: 1000) { JournalFrame.entry(entry).encode(into: &stream) }
        let map = mode == "journal-map"
        var mapper = JournalRecordMapper()
        for _ in 0..<rounds {
            var decoder = JournalFrameDecoder()
            var offset = 0
            var total = 0
            while offset < stream.count {
                // 64 KiB reads, as the agent's reading thread gets them from the pipe.
                let chunk = min(65536, stream.count - offset)
                _ = decoder.fill(capacity: chunk) { out in
                    stream.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + chunk)])) }
                    return chunk
                }
                offset += chunk
                while case .entry(let entry)? = try! decoder.next() {
                    if map {
                        total += mapper.logRecord(entry, observedAt: 1_765_000_000_000_000_000).attributes.count
                    } else {
                        entry.forEachField { name, value in total += name.count + value.count }
                    }
                    done += 1
                }
            }
            consume(total)
        }
    case "ecs":
        unit = "document"
        var mapper = JournalRecordMapper()
        let records = journalEntries(count: 1000).map { mapper.logRecord($0, observedAt: 1_765_000_000_000_000_000) }
        var scratch = ECSDocument.Scratch()
        for _ in 0..<rounds {
            var writer = JSONWriter(capacity: 512 * records.count)
            for record in records {
                ECSDocument.write(record, to: &writer, scratch: &scratch)
                writer.endLine()
            }
            consume(writer.bytes.count)
            done += records.count
        }
    case "statsd-plain", "statsd-dogstatsd", "statsd-influx":
        unit = "line"
        let lines: [String]
        switch mode {
        case "statsd-plain":
            lines = ["page.views:1|c", "cpu.load:0.75|g", "api.latency:12.5|ms", "queue.depth:+3|g", "users.uniq:alice|s"]
        case "statsd-dogstatsd":
            lines = [
                "api.request.latency:12.5|ms|@0.5|#env:prod,service:web,region:eu-west-1",
                "http.requests:1|c|#method:GET,status:200,path:/api/v1/items",
                "db.query.time:3.25:4:5.5|d|#db:orders,op:select",
                "cache.hits:42|c|#cache:redis,tier:hot|c:9a8b7c6d5e4f",
            ]
        default:
            lines = ["http.requests,method=GET,status=200:1|c", "mem.used,host=web-01:123456789|g"]
        }
        var payload = ""
        for i in 0..<1000 { payload += lines[i % lines.count] + "\n" }
        let bytes = Array(payload.utf8)
        let parser = StatsDParser()
        var kept: [StatsDSample] = []
        kept.reserveCapacity(2000)
        bytes.withUnsafeBytes { raw in
            for _ in 0..<rounds {
                kept.removeAll(keepingCapacity: true)
                parser.parse(raw) { line in
                    if case .metric(let sample) = line { kept.append(sample) }
                }
                done += 1000
            }
        }
        consume(kept.count)
    default:
        exit(2)
    }
    return (unit, done)
}
let (unit, done) = run(arguments[1], rounds: rounds)
print("\(unit) \(done)")
