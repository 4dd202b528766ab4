import NoaComponents
import NoaCore
import NoaProcfs

/// `type: cgroups`: cAdvisor-compatible metrics per cgroup (systemd units, containers), read from cgroupfs at
/// scrape time, on cgroup v1, v2 and the hybrid layout.
///
/// ```yaml
/// sources:
///   units:
///     type: cgroups
///     root: /                # the host's root; the hierarchies are found through <root>/proc/1/mountinfo
///     include: ["/", "/system.slice/*", "/user.slice/*", "/machine.slice/**", "/docker/*", "/kubepods.slice/**"]
///     exclude: []
///     max_depth: 4
/// ```
public struct CgroupsConfig: SourceConfiguration {
    public static let typeName = "cgroups"
    public static let emits: Set<SignalKind> = [.metrics]
    public static let keys = ["root", "include", "exclude", "max_depth"]

    /// The list, plus the root cgroup, which cAdvisor reports as `id="/"` (the whole machine).
    public static let defaultInclude = [
        "/", "/system.slice/*", "/user.slice/*", "/machine.slice/**", "/docker/*", "/kubepods.slice/**",
    ]
    public static let defaultMaxDepth = 4

    public var root: String
    public var selection: CgroupSelection

    public init(root: String = "/", selection: CgroupSelection? = nil) {
        self.root = root
        self.selection = selection ?? CgroupSelection(
            include: Self.defaultInclude.map { try! CgroupGlob($0) }, maxDepth: Self.defaultMaxDepth)
    }

    public static func read(_ map: ConfigMap) -> CgroupsConfig? {
        var config = CgroupsConfig()
        if let root = map.absolutePath("root") { config.root = root }
        func globs(_ key: String) -> [CgroupGlob]? {
            guard let items = map.items(key) else { return nil }
            var result: [CgroupGlob] = []
            for item in items {
                do {
                    result.append(try CgroupGlob(item.value))
                } catch {
                    map.reader.error(item.node, "\(map.path(key)): pattern '\(item.value)' \(error)")
                }
            }
            return result
        }
        if let include = globs("include") { config.selection.include = include }
        if let exclude = globs("exclude") { config.selection.exclude = exclude }
        if let depth = map.integer("max_depth", in: 0...64) { config.selection.maxDepth = depth }
        return config
    }

    /// A pull source: nothing runs between scrapes; the hierarchies are found on the first scrape.
    public func start(_ context: SourceContext) async throws -> RunningSource {
        let registry = context.selfMetrics()
        let source = CgroupsSource(
            id: context.id, paths: HostPaths(root: root), selection: selection, logger: context.logger,
            selfMetrics: CgroupsSelfMetrics(registry))
        return RunningSource(metrics: [source], selfMetrics: [registry])
    }
}
