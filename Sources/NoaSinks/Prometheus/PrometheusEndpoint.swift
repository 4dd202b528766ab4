import NoaHTTP
import CNoaLinux
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NoaCodecs
import NoaCore
import NoaComponents

/// The `prometheus` sink's responder: serves every input's metrics, and the agent's own, on one `/metrics`.
///
/// Families are gathered at scrape time on a thread pool (collectors read files and may block), merged by name,
/// encoded in the negotiated format and gzipped when the scraper asks. The producers come from `MetricInputs`,
/// which the topology keeps current while the endpoint keeps listening: a reload that keeps the sink's address
/// causes no scrape gap.
public final class PrometheusEndpoint: HTTPResponder {
    public let id: String
    public let path: String
    private let inputs: MetricInputs
    private let threadPool: NIOThreadPool
    private let compressor = GzipCompressor(level: 1)
    public let metrics: PrometheusSinkMetrics
    private let logger: Logger

    public init(id: String, path: String, inputs: MetricInputs, threadPool: NIOThreadPool, logger: Logger) {
        self.id = id
        self.path = path
        self.inputs = inputs
        self.threadPool = threadPool
        self.metrics = PrometheusSinkMetrics(SelfMetrics(component: id))
        self.logger = logger
    }

    /// Gathers every producer and merges their families by name. A family name that two producers both emit is
    /// merged when their types agree (series that appear twice keep the first producer's value, so the exposition
    /// never carries duplicates) and dropped from the later producer when they don't.
    public func gather() -> [MetricFamily] {
        let current = inputs.producers
        guard let first = current.first else { return [] }
        // The first producer's batch already has unique names: it is taken whole, without re-hashing its families.
        // Each producer's batch has unique names, so a name already in `merged` came from an earlier producer.
        var merged = first.gather()
        for producer in current.dropFirst() {
            for family in producer.gather().families {
                if let earlier = merged.family(named: family.name) {
                    merged.append(deduplicated(family, against: earlier))
                } else {
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

    /// Answers one request on the listener's event loop.
    public func respond(to request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        guard request.method == .GET || request.method == .HEAD else {
            return eventLoop.makeSucceededFuture(.text(.methodNotAllowed, "only GET and HEAD\n"))
        }
        switch request.path {
        case Substring(path):
            return scrape(request, on: eventLoop)
        case "/":
            let page = """
                <html><head><title>noa-agent</title></head><body><h1>noa-agent</h1>
                <p><a href="\(path)">Metrics</a></p></body></html>\n
                """
            return eventLoop.makeSucceededFuture(HTTPResponse(
                status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: ByteBuffer(string: page)))
        case "/-/healthy", "/-/ready":
            return eventLoop.makeSucceededFuture(.text(.ok, "OK\n"))
        default:
            return eventLoop.makeSucceededFuture(.text(.notFound, "not found; metrics are at \(path)\n"))
        }
    }

    private func render(format: ExpositionFormat, gzip: Bool) -> (body: [UInt8], gzipped: Bool) {
        let families = gather()
        let text = ExpositionEncoder(format: format).encode(families)
        if gzip, let packed = try? compressor.compress(text) { return (packed, true) }
        return (text, false)
    }

    /// Gathers and encodes on the thread pool (collectors block on file reads and, at worst, on a statfs
    /// timeout), then answers on the connection's event loop: two thread hops per scrape.
    private func scrape(_ request: HTTPRequest, on eventLoop: any EventLoop) -> EventLoopFuture<HTTPResponse> {
        let format = ExpositionFormat.negotiate(accept: request.headers.first(name: "Accept"))
        let wantsGzip = request.headers[canonicalForm: "Accept-Encoding"].contains { $0.lowercased().hasPrefix("gzip") }
        let id = self.id
        return threadPool.runIfActive(eventLoop: eventLoop) { [self] in
            let body = render(format: format, gzip: wantsGzip)
            // The families and the text are freed by now: hand their pages back. A scrape's allocations peak
            // near 1 MB in the pool thread's malloc arena and would stay resident until the next one; trimming
            // costs about 1% of a scrape's CPU and saves about 0.5 MB of RSS (bench/scrape_cost.py).
            _ = noa_malloc_trim()
            return body
        }
        .map { [metrics] (body: [UInt8], gzipped: Bool) -> HTTPResponse in
            metrics.scrapes.add(format == .text ? "text" : "openmetrics")
            var headers: HTTPHeaders = ["Content-Type": format.contentType, "Vary": "Accept, Accept-Encoding"]
            if gzipped { headers.add(name: "Content-Encoding", value: "gzip") }
            return HTTPResponse(status: .ok, headers: headers, body: ByteBuffer(bytes: body))
        }
        .flatMapErrorThrowing { [logger] error in
            logger.warning("A scrape could not be served.", metadata: ["component_id": "\(id)", "error": "\(error)"])
            return .text(.serviceUnavailable, "the agent is shutting down\n")
        }
    }
}
