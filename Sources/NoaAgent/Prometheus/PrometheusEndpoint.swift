import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NoaCodecs
import NoaCore
import Synchronization

/// The `prometheus` sink: serves every input's metrics, and the agent's own, on one `/metrics`.
///
/// Families are gathered at scrape time on a thread pool (collectors read files and may block), merged by name,
/// encoded in the negotiated format and gzipped when the scraper asks. The list of producers can be swapped while
/// the endpoint keeps listening, which is how a reload that keeps the same address causes no scrape gap.
public final class PrometheusEndpoint: Sendable {
    public let id: String
    public let path: String
    private let producers: Mutex<[any MetricProducer]>
    private let threadPool: NIOThreadPool
    private let telemetry: AgentTelemetry
    private let logger: Logger

    public init(
        id: String, path: String, producers: [any MetricProducer], threadPool: NIOThreadPool,
        telemetry: AgentTelemetry, logger: Logger
    ) {
        self.id = id
        self.path = path
        self.producers = Mutex(producers)
        self.threadPool = threadPool
        self.telemetry = telemetry
        self.logger = logger
        for format in ["text", "openmetrics"] {
            telemetry.declare(
                "noa_prometheus_scrapes_total", help: "Scrapes served by a prometheus sink, by format.",
                labels: [Label("component_id", id), Label("format", format)])
        }
    }

    /// Replaces the producers served from the next scrape on.
    public func setProducers(_ newProducers: [any MetricProducer]) {
        producers.withLock { $0 = newProducers }
    }

    /// Gathers every producer and merges their families by name. A family name that two producers both emit is
    /// merged when their types agree (series that appear twice keep the first producer's value, so the exposition
    /// never carries duplicates) and dropped from the later producer when they don't.
    public func gather() -> [MetricFamily] {
        let current = producers.withLock { $0 }
        var merged = MetricBatch()
        var owner: [String: Int] = [:]
        for (index, producer) in current.enumerated() {
            let batch = producer.gather()
            for family in batch.families {
                if let first = owner[family.name], first != index {
                    merged.append(deduplicated(family, against: merged.family(named: family.name)))
                } else {
                    owner[family.name] = index
                    merged.append(family)
                }
            }
        }
        return merged.families
    }

    private func deduplicated(_ family: MetricFamily, against existing: MetricFamily?) -> MetricFamily {
        guard let existing else { return family }
        let seen = Set(existing.samples.map(\.seriesKey))
        var copy = family
        copy.samples.removeAll { seen.contains($0.seriesKey) }
        return copy
    }

    /// The HTTP handler for this endpoint's listener.
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            return .text(.methodNotAllowed, "only GET and HEAD\n")
        }
        switch request.path {
        case Substring(path):
            return await scrape(request)
        case "/":
            let page = """
                <html><head><title>noa-agent</title></head><body><h1>noa-agent</h1>
                <p><a href="\(path)">Metrics</a></p></body></html>\n
                """
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: ByteBuffer(string: page))
        case "/-/healthy", "/-/ready":
            return .text(.ok, "OK\n")
        default:
            return .text(.notFound, "not found; metrics are at \(path)\n")
        }
    }

    private func scrape(_ request: HTTPRequest) async -> HTTPResponse {
        let format = ExpositionFormat.negotiate(accept: request.headers.first(name: "Accept"))
        let wantsGzip = request.headers[canonicalForm: "Accept-Encoding"].contains { $0.lowercased().hasPrefix("gzip") }
        do {
            let (body, gzipped) = try await threadPool.runIfActive { [self] in
                let families = gather()
                let text = ExpositionEncoder(format: format).encode(families)
                if wantsGzip, let packed = try? Gzip.compress(text) { return (packed, true) }
                return (text, false)
            }
            telemetry.increment(
                "noa_prometheus_scrapes_total", help: "Scrapes served by a prometheus sink, by format.",
                labels: [Label("component_id", id), Label("format", format == .text ? "text" : "openmetrics")])
            var headers: HTTPHeaders = ["Content-Type": format.contentType, "Vary": "Accept, Accept-Encoding"]
            if gzipped { headers.add(name: "Content-Encoding", value: "gzip") }
            return HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(bytes: body))
        } catch {
            logger.warning(
                "A scrape could not be served.", metadata: ["component_id": "\(id)", "error": "\(error)"])
            return .text(.serviceUnavailable, "the agent is shutting down\n")
        }
    }
}
