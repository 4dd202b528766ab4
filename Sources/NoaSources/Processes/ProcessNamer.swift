import NoaCore

/// One entry of process-exporter's `process_names` list, as written: kept as text so the config compares equal
/// across reloads, and compiled by `ProcessNamer`.
public struct ProcessNameRule: Sendable, Equatable {
    /// The name template; process-exporter's default is `{{.ExeBase}}`.
    public var name: String
    public var comm: [String]?
    public var exe: [String]?
    public var cmdline: [String]?

    public init(name: String = "{{.ExeBase}}", comm: [String]? = nil, exe: [String]? = nil, cmdline: [String]? = nil) {
        self.name = name
        self.comm = comm
        self.exe = exe
        self.cmdline = cmdline
    }
}

/// What a process is matched and named on, read once when it is first seen.
struct ProcessAttributes {
    var comm: String
    var cmdline: [String]
    var cgroups: [String] = []
    var username: String = ""
    var pid: Int32
    /// Seconds since the epoch (boot time plus the start ticks at 100 Hz, as process-exporter computes it).
    var startTime: Double

    /// process-exporter's ExeFull and ExeBase: the first argument and its base name (not `/proc/<pid>/exe`), or
    /// the comm when there are no arguments.
    var exeFull: String { cmdline.first ?? comm }
    var exeBase: String { cmdline.isEmpty ? comm : Self.goBase(cmdline[0]) }

    /// Go's `filepath.Base`: trailing slashes dropped, "." for an empty path, "/" for a path of slashes.
    static func goBase(_ path: String) -> String {
        if path.isEmpty { return "." }
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        if p == "/" { return "/" }
        if let slash = p.lastIndex(of: "/") { return String(p[p.index(after: slash)...]) }
        return String(p)
    }
}

/// process-exporter's `FirstMatcher`: the first entry whose matchers all match names the process.
///
/// Within an entry, each given matcher must match (AND): `comm` is a list of exact comm values, `exe` a list of
/// executables (a bare name matches the base name of the first argument, a path with `/` the whole first argument),
/// `cmdline` a list of regexes that must all be found in the arguments joined with spaces; their named captures
/// are `{{.Matches.NAME}}`.
final class ProcessNamer: Sendable {
    struct Entry: Sendable {
        var comms: Set<String>?
        /// Base name → full path ("" for any path).
        var exes: [String: String]?
        var regexes: [PosixRegex]
        var template: ProcessNameTemplate
    }

    let entries: [Entry]
    let needsUsername: Bool
    let needsCgroups: Bool

    enum CompileError: Error, CustomStringConvertible {
        case regex(index: Int, PosixRegex.CompileError)
        case template(index: Int, ProcessNameTemplate.ParseError)
        case noMatcher(index: Int)
        case unknownCapture(index: Int, String)

        var description: String {
            switch self {
            case .regex(_, let e): return "\(e)"
            case .template(_, let e): return "\(e)"
            case .noMatcher: return "gives none of comm, exe or cmdline"
            case .unknownCapture(_, let name):
                return "{{.Matches.\(name)}}: no cmdline regex of this entry has a group (?P<\(name)>...)"
            }
        }
    }

    init(_ rules: [ProcessNameRule]) throws(CompileError) {
        var entries: [Entry] = []
        for (index, rule) in rules.enumerated() {
            if rule.comm == nil && rule.exe == nil && rule.cmdline == nil { throw .noMatcher(index: index) }
            let template: ProcessNameTemplate
            do throws(ProcessNameTemplate.ParseError) { template = try ProcessNameTemplate(parsing: rule.name) } catch {
                throw .template(index: index, error)
            }
            var regexes: [PosixRegex] = []
            for pattern in rule.cmdline ?? [] {
                do throws(PosixRegex.CompileError) { regexes.append(try PosixRegex(pattern, captures: true)) } catch {
                    throw .regex(index: index, error)
                }
            }
            let names = Set(regexes.flatMap { $0.groupNames.compactMap { $0 } })
            for name in template.matchNames where !names.contains(name) { throw .unknownCapture(index: index, name) }
            var exes: [String: String]?
            if let list = rule.exe {
                var map: [String: String] = [:]
                for exe in list { map[ProcessAttributes.goBase(exe)] = exe.contains("/") ? exe : "" }
                exes = map
            }
            entries.append(Entry(comms: rule.comm.map(Set.init), exes: exes, regexes: regexes, template: template))
        }
        self.entries = entries
        needsUsername = entries.contains { $0.template.usesUsername }
        needsCgroups = entries.contains { $0.template.usesCgroups }
    }

    /// The group name of the first entry that matches, or nil.
    func name(_ p: ProcessAttributes) -> String? {
        var joined: String?
        for entry in entries {
            if let comms = entry.comms, !comms.contains(p.comm) { continue }
            if let exes = entry.exes {
                guard let first = p.cmdline.first, let full = exes[ProcessAttributes.goBase(first)] else { continue }
                if !full.isEmpty && full != first { continue }
            }
            var matches: [String: String] = [:]
            var all = true
            if !entry.regexes.isEmpty {
                let text = joined ?? p.cmdline.joined(separator: " ")
                joined = text
                for regex in entry.regexes {
                    guard let groups = regex.firstMatch(text) else {
                        all = false
                        break
                    }
                    for (i, name) in regex.groupNames.enumerated() {
                        if let name { matches[name] = groups[i] ?? "" }
                    }
                }
            }
            if all { return entry.template.render(p, matches: matches) }
        }
        return nil
    }
}
