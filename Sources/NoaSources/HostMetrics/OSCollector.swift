import NoaCodecs
import NoaCore
import NoaProcfs

/// node_exporter's `os` collector: `node_os_info{build_id,...,version_id} 1`, `node_os_version{id,id_like,name}`
/// (the leading `major.minor` of `VERSION_ID` as a number, emitted only when positive) and
/// `node_os_support_end_timestamp_seconds` when `SUPPORT_END` is set, from `<root>/etc/os-release` or
/// `<root>/usr/lib/os-release`.
public struct OSCollector: HostCollector {
    public let name = "os"
    private let paths: HostPaths

    public init(context: HostCollectorContext) {
        self.paths = context.paths
    }

    public func collect(into batch: inout MetricBatch) throws {
        let release: OSRelease
        do {
            release = try OSRelease.read(paths)
        } catch FileReadError.notFound {
            throw HostCollectorError.unavailable("no os-release file")
        }
        try OSCollector.add(release, into: &batch)
    }

    static let infoHelp = "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id."

    static func add(_ os: OSRelease, into batch: inout MetricBatch) throws(ParseError) {
        batch.gauge("node_os_info", infoHelp, 1, [
            Label("build_id", os["BUILD_ID"]), Label("id", os["ID"]), Label("id_like", os["ID_LIKE"]),
            Label("image_id", os["IMAGE_ID"]), Label("image_version", os["IMAGE_VERSION"]),
            Label("name", os["NAME"]), Label("pretty_name", os["PRETTY_NAME"]), Label("variant", os["VARIANT"]),
            Label("variant_id", os["VARIANT_ID"]), Label("version", os["VERSION"]),
            Label("version_codename", os["VERSION_CODENAME"]), Label("version_id", os["VERSION_ID"]),
        ])
        if let version = majorMinor(os["VERSION_ID"]), version > 0 {
            batch.gauge("node_os_version", "Metric containing the major.minor part of the OS version.", version,
                        [Label("id", os["ID"]), Label("id_like", os["ID_LIKE"]), Label("name", os["NAME"])])
        }
        let supportEnd = os["SUPPORT_END"]
        if !supportEnd.isEmpty {
            guard let timestamp = dateTimestamp(supportEnd) else {
                throw ParseError(file: "os-release", reason: "SUPPORT_END is not a YYYY-MM-DD date")
            }
            batch.gauge("node_os_support_end_timestamp_seconds",
                        "Metric containing the end-of-life date timestamp of the OS.", Double(timestamp))
        }
    }

    /// The number matched by node_exporter's `^[0-9]+\.?[0-9]*` at the start of `VERSION_ID` ("22.04.3" → 22.04).
    static func majorMinor(_ versionID: String) -> Double? {
        let utf8 = Array(versionID.utf8)
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        var end = 0
        while end < utf8.count, isDigit(utf8[end]) { end += 1 }
        guard end > 0 else { return nil }
        if end < utf8.count, utf8[end] == UInt8(ascii: ".") {
            end += 1
            while end < utf8.count, isDigit(utf8[end]) { end += 1 }
        }
        return Double(String(decoding: utf8[0..<end], as: UTF8.self))
    }

    /// Midnight UTC of a `YYYY-MM-DD` date as Unix seconds (Go's `time.Parse(time.DateOnly, …)`).
    static func dateTimestamp(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
              let days = RFC3339.days(year: y, month: m, day: d)
        else { return nil }
        return days * 86400
    }
}
