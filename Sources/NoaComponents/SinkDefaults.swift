import NoaCore

extension InletLimits where Item == LogRecord {
    /// A log sink's inlet: batches its sources may have sent ahead of it. Enough to keep a sink busy while its
    /// source reads the next batch, few enough that memory stays small (a journal batch is up to 500 records by
    /// default): a source waits (the journal) or is answered 429 (a receiver) beyond it.
    public static let logSink = InletLimits(batches: 8)
}
