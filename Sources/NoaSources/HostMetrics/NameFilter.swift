import NoaCore
import Synchronization

/// A node_exporter-style exclude filter on names (devices, mount points, filesystem types, netstat fields).
///
/// The pattern (a `PosixRegex`) is compiled once, and each distinct name is matched once and remembered, since
/// the same few names come back every scrape. Like Go's `MatchString`, a name
/// is excluded when the pattern matches anywhere in it (patterns anchor themselves with `^...$`). The memo is
/// cleared when it grows past `memoLimit`, so hosts that churn through names (veth pairs) cannot grow it forever.
public final class NameFilter: Sendable {
    private struct State {
        var regex: PosixRegex?
        var memo: [String: Bool] = [:]
    }

    /// The pattern as configured.
    public let pattern: String?
    /// Why the pattern did not compile, if it did not.
    public let compileError: String?
    private let memoLimit: Int
    private let state: Mutex<State>

    /// A filter that excludes names matching `pattern`; nil or empty excludes nothing.
    public init(excluding pattern: String?, memoLimit: Int = 4096) {
        self.memoLimit = memoLimit
        guard let pattern, !pattern.isEmpty else {
            self.pattern = nil
            self.compileError = nil
            self.state = Mutex(State(regex: nil))
            return
        }
        self.pattern = pattern
        do {
            let regex = try PosixRegex(pattern)
            self.compileError = nil
            self.state = Mutex(State(regex: regex))
        } catch {
            self.compileError = "\(error)"
            self.state = Mutex(State(regex: nil))
        }
    }

    /// Throws when the configured pattern is not a valid regular expression.
    public func validate() throws(NameFilterError) {
        if let compileError, let pattern { throw .invalidPattern(pattern, compileError) }
    }

    /// Whether `name` is excluded.
    public func excludes(_ name: String) -> Bool {
        state.withLock { state in
            guard let regex = state.regex else { return false }
            if let known = state.memo[name] { return known }
            let excluded = regex.matches(name)
            if state.memo.count >= memoLimit { state.memo.removeAll(keepingCapacity: true) }
            state.memo[name] = excluded
            return excluded
        }
    }
}

/// A collector's configured pattern is not a valid regular expression.
public enum NameFilterError: Error, CustomStringConvertible {
    case invalidPattern(String, String)

    public var description: String {
        switch self {
        case .invalidPattern(let pattern, let reason): return "invalid pattern \(pattern): \(reason)"
        }
    }
}
