/// A glob over cgroup paths, matched component by component: `*` (and `?`) within one component, a component of
/// `**` any number of components (zero included). `/` is the root cgroup alone.
///
/// Components rather than a regex because the walk needs one more question a regex can't answer cheaply: could
/// anything below this directory match (`couldMatchBelow`)? That is what lets the walk skip `/user.slice/*/*`
/// entirely when the patterns stop at `/user.slice/*`.
public struct CgroupGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    let components: [String]

    /// Why a pattern is refused.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case notAbsolute
        case emptyComponent
        case doubleStarInComponent

        public var description: String {
            switch self {
            case .notAbsolute: return "must start with / (cgroup paths are absolute: /system.slice/*)"
            case .emptyComponent: return "has an empty path component (//)"
            case .doubleStarInComponent: return "uses ** inside a component; ** must be a whole component (/a/**/b)"
            }
        }
    }

    public init(_ pattern: String) throws(Problem) {
        guard pattern.hasPrefix("/") else { throw .notAbsolute }
        var body = pattern.dropFirst()
        if body.hasSuffix("/") { body = body.dropLast() }
        let parts = body.isEmpty ? [] : body.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            if part.isEmpty { throw .emptyComponent }
            if part != "**" && part.contains("**") { throw .doubleStarInComponent }
        }
        self.pattern = pattern
        self.components = parts
    }

    public var description: String { pattern }

    /// Whether the cgroup whose path has `path` components (`[]` for `/`) matches.
    public func matches(_ path: [Substring]) -> Bool {
        Self.match(components[...], path[...])
    }

    /// Whether some cgroup strictly below `path` could match: the walk descends only where this is true.
    public func couldMatchBelow(_ path: [Substring]) -> Bool {
        Self.prefix(components[...], path[...])
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            var tail = path
            while true {
                if match(rest, tail) { return true }
                if tail.isEmpty { return false }
                tail = tail.dropFirst()
            }
        }
        guard let component = path.first, wildcard(first.utf8[...], component.utf8[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// Whether `path` followed by at least one more component can match.
    private static func prefix(_ pattern: ArraySlice<String>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return false }
        if first == "**" { return true }
        guard let component = path.first else { return true }
        guard wildcard(first.utf8[...], component.utf8[...]) else { return false }
        return prefix(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` any run of bytes, `?` one byte, anything else itself.
    private static func wildcard(_ p: Substring.UTF8View.SubSequence, _ s: Substring.UTF8View.SubSequence) -> Bool {
        var pi = p.startIndex, si = s.startIndex
        var starP: Substring.UTF8View.Index? = nil, starS = s.startIndex
        while si != s.endIndex {
            if pi != p.endIndex, p[pi] == UInt8(ascii: "?") || p[pi] == s[si] {
                p.formIndex(after: &pi)
                s.formIndex(after: &si)
            } else if pi != p.endIndex, p[pi] == UInt8(ascii: "*") {
                starP = pi
                starS = si
                p.formIndex(after: &pi)
            } else if let star = starP {
                pi = p.index(after: star)
                s.formIndex(after: &starS)
                si = starS
            } else {
                return false
            }
        }
        while pi != p.endIndex, p[pi] == UInt8(ascii: "*") { p.formIndex(after: &pi) }
        return pi == p.endIndex
    }
}

/// The include and exclude patterns and the depth bound, as one question: is this cgroup reported, and is its
/// directory worth listing?
public struct CgroupSelection: Sendable, Equatable {
    public var include: [CgroupGlob]
    public var exclude: [CgroupGlob]
    /// Components below the root: `/` is depth 0, `/system.slice/nginx.service` depth 2.
    public var maxDepth: Int

    public init(include: [CgroupGlob], exclude: [CgroupGlob] = [], maxDepth: Int) {
        self.include = include
        self.exclude = exclude
        self.maxDepth = maxDepth
    }

    public func reports(_ path: [Substring]) -> Bool {
        path.count <= maxDepth && include.contains { $0.matches(path) } && !exclude.contains { $0.matches(path) }
    }

    /// Whether to list `path`'s subdirectories looking for cgroups to report.
    public func descends(_ path: [Substring]) -> Bool {
        path.count < maxDepth && include.contains { $0.couldMatchBelow(path) }
    }
}
