import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Which journal a reader opens.
public enum JournalSource: Sendable, Equatable {
    /// The local system journal (`SD_JOURNAL_LOCAL_ONLY`: this machine's files, system and user).
    case system
    /// Every journal file in one directory (`sd_journal_open_directory`): tests, containers, a copied journal.
    case directory(String)
}

/// What `sd_journal_wait` reported.
public enum JournalWaitResult: Sendable, Equatable {
    /// Nothing changed before the timeout.
    case nothing
    /// Entries were appended.
    case appended
    /// Files were added or removed (rotation, vacuum, a new boot's file): keep calling `next()`.
    case invalidated
}

/// A reader over `sd_journal`: one open journal, its filter, and a position.
///
/// Not thread-safe (libsystemd's `sd_journal` isn't): use one reader from one thread. The agent itself never
/// runs this in its own process: a truncated journal file makes libsystemd die of SIGBUS, so the reading happens
/// in the `journal-reader` child (see `JournaldReaderProcess`).
public final class JournalReader {
    private let journal: OpaquePointer
    /// After `seek(.after(cursor))`: the cursor whose entry the next `next()` must skip if it lands on it.
    private var cursorToSkip: String?

    /// Opens the journal and installs `filter`. The data threshold is set to 0 so that large fields are returned
    /// whole, not cut at libsystemd's default 64 KiB.
    public init(source: JournalSource = .system, filter: JournalFilter = JournalFilter()) throws(JournalError) {
        if let reason = noa_sd_load_error() { throw .libraryMissing(String(cString: reason)) }
        var handle: OpaquePointer?
        let r: Int32
        switch source {
        case .system:
            r = noa_sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        case .directory(let path):
            r = noa_sd_journal_open_directory(&handle, path, 0)
        }
        guard r >= 0, let handle else {
            if case .directory(let path) = source { throw .open(directory: path, errno: -r) }
            throw .open(directory: nil, errno: -r)
        }
        // From here a throw still runs deinit (every stored property is set), which closes the journal.
        journal = handle
        try check(noa_sd_journal_set_data_threshold(handle, 0), "sd_journal_set_data_threshold")
        try filter.apply(to: handle)
    }

    deinit { noa_sd_journal_close(journal) }

    /// Positions the reader so that the next `next()` yields the first entry to read.
    ///
    /// - `.head`: the oldest entry.
    /// - `.tail`: `seek_tail` then `previous`, which lands on the last entry, so `next()` yields only entries
    ///   written later. Returns `.after(cursor:)` of that last entry (or `.head` when the journal has no matching
    ///   entry yet): a restart from there loses nothing written in between.
    /// - `.after(cursor)`: `seek_cursor`; the next `next()` skips the entry it lands on only if `test_cursor`
    ///   says it is that cursor's entry. When the entry was vacuumed, libsystemd lands on the first surviving entry
    ///   after its place, which must not be skipped.
    @discardableResult
    public func seek(_ position: JournalStartPosition) throws(JournalError) -> JournalStartPosition {
        cursorToSkip = nil
        switch position {
        case .head:
            try check(noa_sd_journal_seek_head(journal), "sd_journal_seek_head")
            return .head
        case .tail:
            try check(noa_sd_journal_seek_tail(journal), "sd_journal_seek_tail")
            let r = noa_sd_journal_previous(journal)
            try check(r, "sd_journal_previous")
            if r == 0 {
                // Nothing matches yet: reading from the head later yields exactly what was written after now.
                try check(noa_sd_journal_seek_head(journal), "sd_journal_seek_head")
                return .head
            }
            return .after(cursor: try cursor())
        case .after(let cursor):
            let r = noa_sd_journal_seek_cursor(journal, cursor)
            if r < 0 { throw .invalidCursor(cursor, errno: -r) }
            cursorToSkip = cursor
            return position
        }
    }

    /// Moves to the next entry. Returns false at the end (for now: `wait` and call again to follow).
    public func next() throws(JournalError) -> Bool {
        var r = noa_sd_journal_next(journal)
        try check(r, "sd_journal_next")
        if r > 0, let skip = cursorToSkip {
            cursorToSkip = nil
            let same = noa_sd_journal_test_cursor(journal, skip)
            try check(same, "sd_journal_test_cursor")
            if same > 0 {
                r = noa_sd_journal_next(journal)
                try check(r, "sd_journal_next")
            }
        }
        return r > 0
    }

    /// Waits up to `timeoutMicroseconds` (nil: forever) for the journal to change. It follows rotation, new files
    /// and new boots itself (inotify on the journal directories).
    public func wait(timeoutMicroseconds: UInt64?) throws(JournalError) -> JournalWaitResult {
        let r = noa_sd_journal_wait(journal, timeoutMicroseconds ?? UInt64.max)
        try check(r, "sd_journal_wait")
        switch r {
        case Int32(SD_JOURNAL_APPEND): return .appended
        case Int32(SD_JOURNAL_INVALIDATE): return .invalidated
        default: return .nothing
        }
    }

    /// The current entry's cursor.
    public func cursor() throws(JournalError) -> String {
        var text: UnsafeMutablePointer<CChar>?
        try check(noa_sd_journal_get_cursor(journal, &text), "sd_journal_get_cursor")
        guard let text else { throw .call("sd_journal_get_cursor", errno: EINVAL) }
        defer { free(text) }
        return String(cString: text)
    }

    /// Calls `body` with the current entry's cursor text (no String made: the reader child writes it straight
    /// into its output, once per entry).
    public func withCursorBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) throws(JournalError) -> T {
        var text: UnsafeMutablePointer<CChar>?
        try check(noa_sd_journal_get_cursor(journal, &text), "sd_journal_get_cursor")
        guard let text else { throw .call("sd_journal_get_cursor", errno: EINVAL) }
        defer { free(text) }
        return text.withMemoryRebound(to: UInt8.self, capacity: strlen(text)) {
            body(UnsafeBufferPointer(start: $0, count: strlen(text)))
        }
    }

    /// The current entry's realtime timestamp (µs since the epoch).
    public func realtime() throws(JournalError) -> UInt64 {
        var value: UInt64 = 0
        try check(noa_sd_journal_get_realtime_usec(journal, &value), "sd_journal_get_realtime_usec")
        return value
    }

    /// The current entry's monotonic timestamp (µs) and the boot it counts from.
    public func monotonic() throws(JournalError) -> (UInt64, JournalID128) {
        var value: UInt64 = 0
        var boot = sd_id128_t()
        try check(noa_sd_journal_get_monotonic_usec(journal, &value, &boot), "sd_journal_get_monotonic_usec")
        return (value, JournalID128(bytes: boot))
    }

    /// Calls `body` with each `NAME=value` field of the current entry, split at the first `=`, in one
    /// `SD_JOURNAL_FOREACH_DATA` pass (one pass is about 2.4 times cheaper than a `get_data` per field). The
    /// buffers are libsystemd's and valid only during the call. Fields libsystemd can't decompress are skipped
    /// (`enumerate_available_data`), as journalctl does, rather than failing the whole entry.
    public func forEachField(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) throws(JournalError) {
        noa_sd_journal_restart_data(journal)
        var data: UnsafeRawPointer?
        var length = 0
        while true {
            let r = noa_sd_journal_enumerate_available_data(journal, &data, &length)
            try check(r, "sd_journal_enumerate_available_data")
            guard r > 0 else { return }
            guard let data else { continue }
            let field = UnsafeRawBufferPointer(start: data, count: length)
            // A data object always has `=` (journald refuses fields without); skip one that doesn't.
            // memchr: the generic firstIndex over a raw buffer cost more than the rest of the split.
            guard length > 0, let found = memchr(data, Int32(UInt8(ascii: "=")), length) else { continue }
            let equals = UnsafeRawPointer(found) - data
            body(UnsafeRawBufferPointer(rebasing: field[..<equals]), UnsafeRawBufferPointer(rebasing: field[(equals + 1)...]))
        }
    }

    /// The current entry, copied out.
    public func entry() throws(JournalError) -> JournalEntry {
        let (monotonic, boot) = try monotonic()
        var fields: [JournalField] = []
        try forEachField { name, value in
            fields.append(JournalField(String(decoding: name, as: UTF8.self), Array(value)))
        }
        return JournalEntry(cursor: try cursor(), realtime: try realtime(), monotonic: monotonic, bootID: boot, fields: fields)
    }

    /// Moves on and returns the next entry, or nil at the end.
    public func nextEntry() throws(JournalError) -> JournalEntry? {
        try next() ? try entry() : nil
    }
}

extension JournalID128 {
    init(bytes id: sd_id128_t) {
        // The 16 bytes as two big-endian words, read directly (the generic byte-collection init was slow here,
        // once per entry in the reader child).
        var copy = id
        self = withUnsafeBytes(of: &copy) { raw in
            JournalID128(
                high: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}
