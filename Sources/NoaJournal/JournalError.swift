#if canImport(Glibc)
import Glibc
#endif

/// A failure of the journal reader: opening the journal, a libsystemd call, or a filter libsystemd rejected.
/// libsystemd returns negative errno values; `errno` here is the positive code.
public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `sd_journal_open` / `sd_journal_open_directory` failed (`directory` nil: the system journal).
    case open(directory: String?, errno: Int32)
    /// A filter libsystemd refused (`sd_journal_add_match` returns -EINVAL for a malformed `FIELD=value`).
    case invalidMatch(String, errno: Int32)
    /// `sd_journal_seek_cursor` refused the cursor (not a journal cursor at all).
    case invalidCursor(String, errno: Int32)
    /// Any other libsystemd call that failed, by name.
    case call(String, errno: Int32)
    /// libsystemd.so.0 could not be loaded (it is loaded on first use, see CSystemd.h): dlopen's reason.
    case libraryMissing(String)

    public var description: String {
        switch self {
        case .open(let directory, let code):
            return "cannot open the journal \(directory.map { "directory \($0)" } ?? "(system)"): \(JournalError.describe(code))"
        case .invalidMatch(let match, let code): return "invalid journal match '\(match)': \(JournalError.describe(code))"
        case .invalidCursor(let cursor, let code): return "invalid journal cursor '\(cursor)': \(JournalError.describe(code))"
        case .call(let name, let code): return "\(name) failed: \(JournalError.describe(code))"
        case .libraryMissing(let reason): return "cannot load libsystemd (install libsystemd0): \(reason)"
        }
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) + " (errno \(code))" }
}
