import Logging
import NoaComponents
import NoaCore
import NoaPipeline

/// `type: console`: records on standard output (see `ConsoleSink`), and spans, when a trace source is listed, as
/// OTLP/JSON lines: for debugging a pipeline by eye.
public struct ConsoleSinkConfig: LogSinkConfiguration, TraceSinkConfiguration {
    public static let typeName = "console"
    public static let keys = ["format", "color"]

    public var inputs: [String]
    public var format: ConsoleFormat
    public var colour: ConsoleColour

    public init(inputs: [String], format: ConsoleFormat = .human, colour: ConsoleColour = .auto) {
        self.inputs = inputs
        self.format = format
        self.colour = colour
    }

    public static func read(_ map: ConfigMap) -> ConsoleSinkConfig? {
        var config = ConsoleSinkConfig(inputs: map.inputs(missing: nil))
        if let format = map.choice("format", as: ConsoleFormat.self) { config.format = format }
        if let colour = map.choice("color", as: ConsoleColour.self) { config.colour = colour }
        return config
    }

    public func makeLogSink(_ context: SinkContext) throws -> PushSink<LogRecord> {
        let sink = ConsoleSink(id: context.id, format: format, colour: colour, logger: context.logger)
        return .running(
            sink, context, inlet: .logSink, batch: BatchPolicy(maxItems: 500, maxDelay: .milliseconds(100)),
            itemBytes: { $0[$1].estimatedBytes }, metrics: [sink.selfMetrics])
    }

    public func makeTraceSink(_ context: SinkContext) throws -> PushSink<ResourceSpans> {
        TraceQueueConfig().pushSink(TraceFileSink(path: nil), context)
    }
}
