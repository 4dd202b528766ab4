import NoaCodecs
import NoaProcfs

/// A container's `name` and `image` labels, as cAdvisor gives them, read from the runtime's state files under the
/// host's root: no daemon API call, so the agent needs no socket access and a hung daemon can't hang a scrape.
///
/// - Docker: `/var/lib/docker/containers/<id>/config.v2.json`: `Name` (without its leading `/`) and `Config.Image`.
/// - Podman (root): `/var/lib/containers/storage/overlay-containers/containers.json`: the first of `names`, and the
///   `image-name` inside its `metadata` string.
/// - containerd / CRI-O keep theirs in a bolt database or behind their API; such containers get `id` only.
public struct ContainerMetadata: Sendable, Equatable {
    public var name: String?
    public var image: String?

    public init(name: String? = nil, image: String? = nil) {
        self.name = name
        self.image = image
    }

    /// The 64-hex container id in the innermost component of `path` that holds one (`/docker/<id>`,
    /// `/system.slice/docker-<id>.scope`, `.../libpod-<id>.scope`, `.../cri-containerd-<id>.scope`).
    public static func containerID(in path: String) -> String? {
        var found: Substring.UTF8View.SubSequence? = nil
        for component in path.utf8.split(separator: UInt8(ascii: "/")) {
            var runStart = component.startIndex
            var run = 0
            var index = component.startIndex
            while index != component.endIndex {
                let b = component[index]
                let hex = (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66)
                if hex {
                    if run == 0 { runStart = index }
                    run += 1
                } else {
                    if run == 64 { found = component[runStart..<index] }
                    run = 0
                }
                component.formIndex(after: &index)
            }
            if run == 64 { found = component[runStart..<component.endIndex] }
        }
        return found.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Docker's `config.v2.json`.
    public static func parseDocker(_ bytes: [UInt8]) -> ContainerMetadata? {
        guard let json = try? JSONParser.parse(bytes) else { return nil }
        var name = json["Name"]?.stringValue
        if name?.hasPrefix("/") == true { name?.removeFirst() }
        let image = json["Config"]?["Image"]?.stringValue
        if name == nil && image == nil { return nil }
        return ContainerMetadata(name: name, image: image)
    }

    /// Podman's (containers/storage) `containers.json`: every container it knows, by id.
    public static func parsePodman(_ bytes: [UInt8]) -> [String: ContainerMetadata] {
        guard let json = try? JSONParser.parse(bytes), let entries = json.arrayValue else { return [:] }
        var result: [String: ContainerMetadata] = [:]
        for entry in entries {
            guard let id = entry["id"]?.stringValue else { continue }
            var metadata = ContainerMetadata(name: entry["names"]?.arrayValue?.first?.stringValue)
            if let inner = entry["metadata"]?.stringValue, let parsed = try? JSONParser.parse(Array(inner.utf8)) {
                metadata.image = parsed["image-name"]?.stringValue
                if metadata.name == nil { metadata.name = parsed["name"]?.stringValue }
            }
            result[id] = metadata
        }
        return result
    }
}

/// Looks container ids up in the runtimes' state files, once per id: a container's name and image don't change
/// while it runs, and a file read per container per scrape would be most of a scrape's cost. Ids not seen in a
/// scrape are forgotten (`sweep`), so the cache holds the running containers only.
struct ContainerMetadataCache {
    let paths: HostPaths
    private var known: [String: ContainerMetadata?] = [:]
    private var seen: Set<String> = []
    /// Podman's file holds every container; it is read again only when an id is not in it yet.
    private var podman: [String: ContainerMetadata] = [:]

    init(paths: HostPaths) {
        self.paths = paths
    }

    mutating func lookup(_ id: String) -> ContainerMetadata? {
        seen.insert(id)
        if let cached = known[id] { return cached }
        let found = read(id)
        known[id] = found
        return found
    }

    private mutating func read(_ id: String) -> ContainerMetadata? {
        let docker = paths.rootfs("/var/lib/docker/containers/\(id)/config.v2.json")
        if let bytes = try? FileReader.readBytes(docker, sizeHint: 16384), let found = ContainerMetadata.parseDocker(bytes) {
            return found
        }
        if let found = podman[id] { return found }
        let file = paths.rootfs("/var/lib/containers/storage/overlay-containers/containers.json")
        if let bytes = try? FileReader.readBytes(file, sizeHint: 16384) {
            podman = ContainerMetadata.parsePodman(bytes)
            return podman[id]
        }
        return nil
    }

    /// Forgets ids not looked up since the previous sweep.
    mutating func sweep() {
        if known.count > seen.count { known = known.filter { seen.contains($0.key) } }
        podman = podman.filter { seen.contains($0.key) }
        seen.removeAll(keepingCapacity: true)
    }
}
