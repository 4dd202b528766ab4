/// Where a reader starts.
public enum JournalStartPosition: Sendable, Equatable {
    /// The oldest entry still in the journal.
    case head
    /// Only entries written after the reader started.
    case tail
    /// The entry after this cursor (a checkpoint). If that entry was vacuumed, the first entry after its place.
    case after(cursor: String)
}
