import NoaCore
import NoaOTLP

// The agent's metrics and logs models from swift-protobuf's generated types, as the merge and the log conversion
// read those types before `OTLPMetricsWire` and `OTLPLogsWire`: the tests decode the same bytes both ways and
// compare.

extension OTLPMetricsRequest {
    /// What the Prometheus merge read of a generated request.
    public init(reference request: OTLPExportMetricsServiceRequest) {
        self.init(resourceMetrics: request.resourceMetrics.map { rm in
            ResourceMetrics(
                resource: Resource(otlp: rm.resource), schemaURL: rm.schemaURL,
                scopeMetrics: rm.scopeMetrics.map { sm in
                    ScopeMetrics(
                        scope: InstrumentationScope(otlp: sm.scope), schemaURL: sm.schemaURL,
                        metrics: sm.metrics.map(Metric.init(reference:)))
                })
        })
    }
}

extension OTLPMetricsRequest.Metric {
    public init(reference m: OTLPMetric) {
        let data: OTLPMetricsRequest.DataKind?
        switch m.data {
        case .gauge(let g)?: data = .gauge(g.dataPoints.map(OTLPMetricsRequest.NumberPoint.init(reference:)))
        case .sum(let s)?:
            data = .sum(
                s.dataPoints.map(OTLPMetricsRequest.NumberPoint.init(reference:)),
                temporality: OTLPMetricsRequest.Temporality(rawValue: Int32(truncatingIfNeeded: s.aggregationTemporality.rawValue)) ?? .unspecified,
                monotonic: s.isMonotonic)
        case .histogram(let h)?:
            data = .histogram(
                h.dataPoints.map(OTLPMetricsRequest.HistogramPoint.init(reference:)),
                temporality: OTLPMetricsRequest.Temporality(rawValue: Int32(truncatingIfNeeded: h.aggregationTemporality.rawValue)) ?? .unspecified)
        case .exponentialHistogram(let e)?: data = .exponentialHistogram(points: e.dataPoints.count)
        case .summary(let s)?: data = .summary(points: s.dataPoints.count)
        case nil: data = nil
        }
        self.init(name: m.name, description: m.description_p, unit: m.unit, data: data)
    }
}

extension OTLPMetricsRequest.NumberPoint {
    public init(reference p: OTLPNumberDataPoint) {
        let value: Double
        switch p.value {
        case .asDouble(let d)?: value = d
        case .asInt(let i)?: value = Double(i)
        case nil: value = 0
        }
        self.init(
            attributes: [Attribute](otlp: p.attributes), startTimeUnixNano: p.startTimeUnixNano,
            timeUnixNano: p.timeUnixNano, value: value, flags: p.flags)
    }
}

extension OTLPMetricsRequest.HistogramPoint {
    public init(reference p: OTLPHistogramDataPoint) {
        self.init(
            attributes: [Attribute](otlp: p.attributes), startTimeUnixNano: p.startTimeUnixNano,
            timeUnixNano: p.timeUnixNano, count: p.count, sum: p.hasSum ? p.sum : nil, bucketCounts: p.bucketCounts,
            explicitBounds: p.explicitBounds, min: p.hasMin ? p.min : nil, max: p.hasMax ? p.max : nil, flags: p.flags)
    }
}

extension OTLPLogsRequest {
    /// The generated request in the agent's logs model.
    public init(reference request: OTLPExportLogsServiceRequest) {
        self.init(resourceLogs: request.resourceLogs.map { rl in
            ResourceLogs(
                resource: Resource(otlp: rl.resource), schemaURL: rl.schemaURL,
                scopeLogs: rl.scopeLogs.map { sl in
                    ScopeLogs(
                        scope: InstrumentationScope(otlp: sl.scope), schemaURL: sl.schemaURL,
                        logRecords: sl.logRecords.map { r in
                            var out = Record()
                            out.timeUnixNano = r.timeUnixNano
                            out.observedTimeUnixNano = r.observedTimeUnixNano
                            out.severityNumber = Int32(truncatingIfNeeded: r.severityNumber.rawValue)
                            out.severityText = r.severityText
                            out.body = r.hasBody ? AttributeValue(otlp: r.body) : nil
                            out.attributes = [Attribute](otlp: r.attributes)
                            out.droppedAttributesCount = r.droppedAttributesCount
                            out.flags = r.flags
                            out.traceID = [UInt8](r.traceID)
                            out.spanID = [UInt8](r.spanID)
                            out.eventName = r.eventName
                            return out
                        })
                })
        })
    }
}
