import NoaHTTP
import Logging
import NoaCodecs
import NoaCore
import NoaPipeline
import Synchronization

/// Writes log records to Elasticsearch with the `_bulk` API, one attempt per `write` (the `SinkRunner` retries).
///
/// Each record is a `create` action with a deterministic `_id` from `LogRecord.id`, so a replay after a crash is
/// answered 409, which counts as delivered: with the journal's checkpoint this gives every entry once. Requests are
/// NDJSON, gzip-compressed by default, spread round-robin over the endpoints, failing over to the next one when an
/// endpoint can't be reached.
///
/// Answers, as the bulk API gives them (Elasticsearch reference, "Bulk API"):
/// - connection errors, 429 and 5xx for the whole request: `.retryable`, with the server's `Retry-After`;
/// - 413: the batch is split in halves, sent one after the other (recursively); a document too large alone is
///   rejected (dead-lettered), never retried; the size that failed is remembered so later batches are pre-split;
/// - 2xx: per item, 200/201 stored, 409 on `create` already there (delivered), 429/5xx retried, other 4xx
///   rejected with `type: reason`;
/// - 401/403 (and 404, a wrong path prefix): `.retryable` with a loud, rate-limited log: a bad key must not lose
///   the journal, it waits; 400 and other 4xx for the whole request: `.permanent`.
public final class ElasticsearchSink: BatchSink {
    public typealias Item = LogRecord

    /// Everything the sink needs from its config.
    public struct Options: Sendable, Equatable {
        /// Base URLs (`http://host:9200`, optionally with a path prefix), at least one.
        public var endpoints: [String]
        public var target: ElasticsearchTarget
        public var auth: ElasticsearchAuth?
        /// gzip request bodies (`Content-Encoding: gzip`).
        public var gzip: Bool
        /// Install the index template before the first write (`setup_on_start`).
        public var setupOnStart: Bool
        /// How long an endpoint that could not be reached is tried only after the others.
        public var endpointCooldown: Duration
        /// Split requests whose NDJSON body is larger than this before sending (nil: only after a 413).
        public var maxRequestBytes: Int?

        public init(
            endpoints: [String], target: ElasticsearchTarget, auth: ElasticsearchAuth? = nil, gzip: Bool = true,
            setupOnStart: Bool = false, endpointCooldown: Duration = .seconds(5), maxRequestBytes: Int? = nil
        ) {
            self.endpoints = endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            self.target = target
            self.auth = auth
            self.gzip = gzip
            self.setupOnStart = setupOnStart
            self.endpointCooldown = endpointCooldown
            self.maxRequestBytes = maxRequestBytes
        }
    }

    public let id: String
    public let options: Options
    public let statistics: ElasticsearchSinkMetrics
    private let transport: any HTTPTransport
    private let clock: any AgentClock
    private let logger: Logger
    private let failures: RateLimitedLogger
    /// Auth failures repeat on every retry while the key is wrong: logged at error level, every 10th.
    private let authFailures: RateLimitedLogger
    private let compressor = GzipCompressor(level: 1)
    private let roundRobin = Atomic<Int>(0)
    private let downUntil: Mutex<[ContinuousClock.Instant?]>
    /// The largest body (uncompressed) known to pass: halved after a 413, so later batches go out pre-split.
    private let learnedMaxBytes: Atomic<Int>
    private let setupPending: Atomic<Bool>

    /// - Parameter clock: times the endpoints' cooldowns after a connection failure.
    public init(
        id: String, options: Options, transport: any HTTPTransport, clock: any AgentClock = SystemClock(), logger: Logger
    ) {
        self.id = id
        self.clock = clock
        self.options = options
        self.transport = transport
        var logger = logger
        logger[metadataKey: "component_id"] = "\(id)"
        self.logger = logger
        self.failures = RateLimitedLogger(logger: logger, every: 100)
        self.authFailures = RateLimitedLogger(logger: logger, every: 10)
        self.statistics = ElasticsearchSinkMetrics(id: id)
        self.downUntil = Mutex(Array(repeating: nil, count: options.endpoints.count))
        self.learnedMaxBytes = Atomic(options.maxRequestBytes ?? .max)
        self.setupPending = Atomic(options.setupOnStart)
    }

    /// A rough size of a record's bulk lines, for the runner's `max_bytes` batching (exact sizes would mean encoding
    /// twice).
    public static func estimatedBytes(_ record: LogRecord) -> Int {
        var bytes = 160 + record.message.utf8.count + (record.id?.utf8.count ?? 0)
        for attribute in record.attributes { bytes += attribute.key.utf8.count + 24 }
        return bytes
    }

    /// The `filter_path` asked of Elasticsearch: only what the sink reads, so a 1000-item answer is a few KB.
    static let bulkPath = "/_bulk?filter_path=errors,items.*.status,items.*.error"

    public func write(_ items: [LogRecord]) async throws(SinkError) {
        guard !items.isEmpty else { return }
        if setupPending.load(ordering: .relaxed) { try await setUpOnStart() }
        let encoded = Self.encode(items, target: options.target)
        var tally = Tally()
        var start = 0
        let limit = learnedMaxBytes.load(ordering: .relaxed)
        while start < items.count {
            var end = start + 1
            while end < items.count, encoded.starts[end + 1] - encoded.starts[start] <= limit { end += 1 }
            await send(start..<end, of: encoded, into: &tally)
            start = end
        }
        try tally.result(count: items.count)
    }

    // MARK: - Encoding

    /// NDJSON for all items, and where each item's two lines start (`starts[items.count]` is the end), so a split
    /// takes byte ranges instead of encoding again.
    struct Encoded {
        var body: [UInt8]
        var starts: [Int]

        func slice(_ range: Range<Int>) -> [UInt8] {
            if range.lowerBound == 0 && range.upperBound == starts.count - 1 { return body }
            return Array(body[starts[range.lowerBound]..<starts[range.upperBound]])
        }
    }

    static func encode(_ items: [LogRecord], target: ElasticsearchTarget) -> Encoded {
        var namer = IndexNamer(target: target)
        var body: [UInt8] = []
        body.reserveCapacity(items.count * 512)
        var starts: [Int] = []
        starts.reserveCapacity(items.count + 1)
        var scratch = ECSDocument.Scratch()
        for record in items {
            starts.append(body.count)
            body.append(contentsOf: namer.actionPrefix(timestamp: record.timestamp))
            // Writers borrow the body by swapping it in and out: no copy of the growing buffer per line.
            var action = JSONWriter(appendingTo: [])
            swap(&action.bytes, &body)
            if let id = record.id {
                action.bytes.append(contentsOf: #","_id":"#.utf8)
                action.string(id)
            }
            action.bytes.append(contentsOf: "}}\n".utf8)
            swap(&action.bytes, &body)
            var document = JSONWriter(appendingTo: [])
            swap(&document.bytes, &body)
            ECSDocument.write(record, to: &document, scratch: &scratch)
            document.bytes.append(0x0A)
            swap(&document.bytes, &body)
        }
        starts.append(body.count)
        return Encoded(body: body, starts: starts)
    }

    // MARK: - Sending

    /// What became of each item of one `write`, gathered over the requests it took.
    struct Tally {
        var retry: [Int] = []
        var rejected: [(index: Int, reason: String)] = []
        var after: Duration?
        var delivered = 0
        /// Set when every request of this write failed as a whole the same way (kept to report it as such).
        var wholeRetryReason: String?
        var wholePermanentReason: String?

        mutating func retryAll(_ range: Range<Int>, after: Duration?, reason: String) {
            retry += range
            if let after { self.after = max(self.after ?? .zero, after) }
            wholeRetryReason = reason
        }

        func result(count: Int) throws(SinkError) {
            if retry.isEmpty && rejected.isEmpty { return }
            if delivered == 0, rejected.isEmpty, retry.count == count, let reason = wholeRetryReason {
                throw .retryable(after: after, reason: reason)
            }
            if delivered == 0, retry.isEmpty, rejected.count == count, let reason = wholePermanentReason {
                throw .permanent(reason)
            }
            throw .partial(retry: retry, rejected: rejected, after: after)
        }
    }

    private func send(_ range: Range<Int>, of encoded: Encoded, into tally: inout Tally) async {
        let body = encoded.slice(range)
        switch await exchange(body: body) {
        case .response(let response):
            guard response.errors else {
                tally.delivered += range.count
                return
            }
            guard response.items.count == range.count else {
                statistics.malformedResponses.add(1)
                failures.log(.error, key: "item-count", "Elasticsearch answered a different number of items than sent.",
                             metadata: ["sent": "\(range.count)", "answered": "\(response.items.count)"])
                tally.retryAll(range, after: nil, reason: "the bulk response has \(response.items.count) items for \(range.count) sent")
                return
            }
            for (offset, outcome) in response.items.enumerated() {
                let index = range.lowerBound + offset
                switch outcome {
                case .stored: tally.delivered += 1
                case .alreadyThere:
                    tally.delivered += 1
                    statistics.duplicateItems.add(1)
                case .retry:
                    tally.retry.append(index)
                    statistics.retriedItems.add(1)
                case .rejected(_, let reason):
                    tally.rejected.append((index, reason))
                }
            }
        case .tooLarge:
            statistics.splitRequests.add(1)
            learnedMaxBytes.store(max(1, min(learnedMaxBytes.load(ordering: .relaxed), body.count / 2)), ordering: .relaxed)
            guard range.count > 1 else {
                statistics.oversizedItems.add(1)
                tally.rejected.append((range.lowerBound, "request_entity_too_large: the document alone is \(body.count) bytes of NDJSON, over the cluster's http.max_content_length"))
                return
            }
            failures.log(.warning, key: "413", "Elasticsearch refused a bulk request as too large; sending it in halves.",
                         metadata: ["items": "\(range.count)", "bytes": "\(body.count)"])
            let middle = range.lowerBound + range.count / 2
            await send(range.lowerBound..<middle, of: encoded, into: &tally)
            await send(middle..<range.upperBound, of: encoded, into: &tally)
        case .retryable(let after, let reason):
            tally.retryAll(range, after: after, reason: reason)
        case .permanent(let reason):
            tally.rejected += range.map { ($0, reason) }
            tally.wholePermanentReason = reason
        }
    }

    enum Exchange {
        case response(ElasticsearchBulkResponse)
        case tooLarge
        case retryable(after: Duration?, reason: String)
        case permanent(String)
    }

    /// One bulk request, failing over across endpoints on connection errors, classified by status.
    private func exchange(body: [UInt8]) async -> Exchange {
        var headers: [(String, String)] = [("Content-Type", "application/x-ndjson"), ("User-Agent", "noa-agent")]
        var payload = body
        if options.gzip, let compressed = try? compressor.compress(body) {
            payload = compressed
            headers.append(("Content-Encoding", "gzip"))
            headers.append(("Accept-Encoding", "gzip"))
        }
        if let auth = options.auth { headers.append(("Authorization", auth.headerValue)) }
        statistics.bodyBytes.add(body.count)
        statistics.wireBytes.add(payload.count)
        let response: OutboundHTTPResponse
        switch await sendWithFailover(path: Self.bulkPath, method: "POST", headers: headers, body: payload) {
        case .success(let answered): response = answered
        case .failure(let reason): return .retryable(after: nil, reason: reason)
        }
        checkProduct(response)
        switch response.status {
        case 200..<300:
            do {
                return .response(try ElasticsearchBulkResponse.parse(response.body))
            } catch {
                // The request may have been stored: resending is safe for records with ids (409 then).
                statistics.malformedResponses.add(1)
                failures.log(.error, key: "malformed", "Elasticsearch's bulk response could not be read; the batch will be sent again.",
                             metadata: ["error": "\(error)"])
                return .retryable(after: nil, reason: "\(error)")
            }
        case 413:
            return .tooLarge
        case 408, 429, 500...599:
            return .retryable(after: response.retryAfter, reason: "HTTP \(response.status)\(Self.errorSummary(response.body))")
        case 401, 403:
            statistics.authFailures.add(1)
            authFailures.log(.error, key: "auth", "Elasticsearch refused the sink's credentials; records wait until they are accepted.",
                             metadata: ["status": "\(response.status)", "error": "\(Self.errorSummary(response.body).dropFirst(2))"])
            return .retryable(after: nil, reason: "HTTP \(response.status): credentials refused")
        case 300..<400, 404:
            // A wrong endpoint or path prefix: a config problem, as with credentials the records wait for the fix.
            authFailures.log(.error, key: "path", "Elasticsearch's endpoint does not serve the bulk API; check the endpoint URLs.",
                             metadata: ["status": "\(response.status)", "error": "\(Self.errorSummary(response.body).dropFirst(2))"])
            return .retryable(after: nil, reason: "HTTP \(response.status): no bulk API at the endpoint")
        default:
            return .permanent("HTTP \(response.status)\(Self.errorSummary(response.body))")
        }
    }

    enum Attempt {
        case success(OutboundHTTPResponse)
        case failure(String)
    }

    /// Sends to the endpoints in round-robin order, skipping ones in their cooldown unless all are, and moving to
    /// the next endpoint only when one can't be reached (a timeout is not failed over: the cluster is slow, and
    /// sending the same batch to another node would only add load).
    func sendWithFailover(path: String, method: String, headers: [(String, String)], body: [UInt8]) async -> Attempt {
        let count = options.endpoints.count
        guard count > 0 else { return .failure("no endpoints configured") }
        let first = roundRobin.wrappingAdd(1, ordering: .relaxed).oldValue
        let now = clock.now
        let down = downUntil.withLock { $0.map { $0.map { $0 > now } ?? false } }
        let rotation = (0..<count).map { (first &+ $0) % count }.map { $0 < 0 ? $0 + count : $0 }
        let order = rotation.filter { !down[$0] } + rotation.filter { down[$0] }
        var lastError = ""
        for index in order {
            let request = OutboundHTTPRequest(
                method: method, url: options.endpoints[index] + path, headers: headers, body: body)
            do {
                let response = try await transport.send(request)
                downUntil.withLock { $0[index] = nil }
                return .success(response)
            } catch {
                statistics.connectionFailures.add(1)
                lastError = "\(options.endpoints[index]): \(error)"
                if let error = error as? HTTPTransportError, error == .timedOut {
                    return .failure(lastError)
                }
                let until = clock.now + options.endpointCooldown
                downUntil.withLock { $0[index] = until }
                failures.log(.warning, key: "connect-\(index)", "An Elasticsearch endpoint could not be reached.",
                             metadata: ["endpoint": "\(options.endpoints[index])", "error": "\(error)"])
            }
        }
        return .failure(lastError)
    }

    private func checkProduct(_ response: OutboundHTTPResponse) {
        // Only answers Elasticsearch itself gave: a proxy's 502 would warn for nothing.
        guard (200..<300).contains(response.status) else { return }
        if response.header("X-Elastic-Product") != "Elasticsearch" {
            statistics.missingProductHeader.add(1)
            failures.log(.warning, key: "product", "The server did not say it is Elasticsearch (no X-Elastic-Product header); writing anyway.",
                         metadata: ["status": "\(response.status)"])
        }
    }

    /// `: type: reason` of an Elasticsearch error body, or nothing when it has none.
    static func errorSummary(_ body: [UInt8]) -> String {
        guard !body.isEmpty, let json = try? JSONParser.parse(body), let error = json["error"] else { return "" }
        return ": " + ElasticsearchBulkResponse.reason(error, status: 0)
    }

    // MARK: - Setup

    /// Installs the index template once before the first write. Until it is installed, unreachable clusters,
    /// 429/5xx and refused credentials hold the records back (`.retryable`); a template Elasticsearch refuses
    /// (an old version without `match_only_text`, say) is logged and writing goes on without it.
    private func setUpOnStart() async throws(SinkError) {
        switch await installTemplate() {
        case .installed:
            setupPending.store(false, ordering: .relaxed)
            logger.info("Installed the Elasticsearch index template.", metadata: ["template": "\(options.target.templateName)"])
        case .failed(let reason, let retryable):
            if retryable { throw .retryable(after: nil, reason: "installing the index template: \(reason)") }
            setupPending.store(false, ordering: .relaxed)
            logger.error("Elasticsearch refused the index template; writing without it.", metadata: ["error": "\(reason)"])
        }
    }

    /// The outcome of installing the index template.
    public enum SetupResult: Sendable, Equatable {
        case installed
        case failed(String, retryable: Bool)
    }

    /// `PUT _index_template/<name>` with `ElasticsearchIndexTemplate.body(for:)`, to the first endpoint that answers.
    public func installTemplate() async -> SetupResult {
        var headers: [(String, String)] = [("Content-Type", "application/json"), ("User-Agent", "noa-agent")]
        if let auth = options.auth { headers.append(("Authorization", auth.headerValue)) }
        let path = "/_index_template/" + options.target.templateName
        switch await sendWithFailover(path: path, method: "PUT", headers: headers,
                                      body: ElasticsearchIndexTemplate.body(for: options.target)) {
        case .failure(let reason):
            return .failed(reason, retryable: true)
        case .success(let response):
            checkProduct(response)
            switch response.status {
            case 200..<300: return .installed
            case 401, 403, 408, 429, 500...599:
                return .failed("HTTP \(response.status)\(Self.errorSummary(response.body))", retryable: true)
            default:
                return .failed("HTTP \(response.status)\(Self.errorSummary(response.body))", retryable: false)
            }
        }
    }
}
