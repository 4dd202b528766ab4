import NoaCore
import NoaProcfs

/// node_exporter's `diskstats` collector: `node_disk_*` from `/proc/diskstats`, plus `node_disk_info` (and
/// `node_disk_filesystem_info`, `node_disk_device_mapper_info`, `node_disk_ata_*` when udev knows them) from the
/// udev database `/run/udev/data/b<major>:<minor>` and `/sys/block/<dev>/queue/rotational`.
///
/// Sector counts are converted with 512 bytes per sector, always (the kernel counts in 512-byte units whatever
/// the device's logical block size), and milliseconds to seconds, as node_exporter 1.9 does.
public final class DiskstatsCollector: HostCollector {
    public let name = "diskstats"
    private let paths: HostPaths
    private let filter: NameFilter

    public init(context: HostCollectorContext) {
        self.paths = context.paths
        self.filter = NameFilter(excluding: context.options.diskstatsDeviceExclude)
    }

    /// The counters in `/proc/diskstats` order: name, type, help, scale.
    private static let counters: [(String, MetricType, String, Double)] = [
        ("node_disk_reads_completed_total", .counter, "The total number of reads completed successfully.", 1),
        ("node_disk_reads_merged_total", .counter, "The total number of reads merged.", 1),
        ("node_disk_read_bytes_total", .counter, "The total number of bytes read successfully.", 512),
        ("node_disk_read_time_seconds_total", .counter, "The total number of seconds spent by all reads.", 0.001),
        ("node_disk_writes_completed_total", .counter, "The total number of writes completed successfully.", 1),
        ("node_disk_writes_merged_total", .counter, "The number of writes merged.", 1),
        ("node_disk_written_bytes_total", .counter, "The total number of bytes written successfully.", 512),
        ("node_disk_write_time_seconds_total", .counter, "This is the total number of seconds spent by all writes.", 0.001),
        ("node_disk_io_now", .gauge, "The number of I/Os currently in progress.", 1),
        ("node_disk_io_time_seconds_total", .counter, "Total seconds spent doing I/Os.", 0.001),
        ("node_disk_io_time_weighted_seconds_total", .counter, "The weighted # of seconds spent doing I/Os.", 0.001),
        ("node_disk_discards_completed_total", .counter, "The total number of discards completed successfully.", 1),
        ("node_disk_discards_merged_total", .counter, "The total number of discards merged.", 1),
        ("node_disk_discarded_sectors_total", .counter, "The total number of sectors discarded successfully.", 1),
        ("node_disk_discard_time_seconds_total", .counter, "This is the total number of seconds spent by all discards.", 0.001),
        ("node_disk_flush_requests_total", .counter, "The total number of flush requests completed successfully", 1),
        ("node_disk_flush_requests_time_seconds_total", .counter, "This is the total number of seconds spent by all flush requests.", 0.001),
    ]

    public func collect(into batch: inout MetricBatch) throws {
        try filter.validate()
        let lines = try Diskstats.read(paths)
        for line in lines where !filter.excludes(line.device) {
            let device = Label("device", line.device)
            let udev = (try? UdevProperties.read(paths, major: line.major, minor: line.minor)) ?? [:]
            var serial = udev["SCSI_IDENT_SERIAL"] ?? ""
            if serial.isEmpty { serial = udev["ID_SERIAL_SHORT"] ?? "" }
            batch.gauge(
                "node_disk_info", "Info of /sys/block/<block_device>.", 1,
                [device, Label("major", String(line.major)), Label("minor", String(line.minor)),
                 Label("path", udev["ID_PATH"] ?? ""), Label("wwn", udev["ID_WWN"] ?? ""),
                 Label("model", udev["ID_MODEL"] ?? ""), Label("serial", serial),
                 Label("revision", udev["ID_REVISION"] ?? ""), Label("rotational", rotational(line.device))])

            for (index, (name, type, help, scale)) in Self.counters.enumerated() {
                guard let value = line[counter: index] else { break }
                batch.add(name, type, help, value: Double(value) * scale, labels: [device])
            }

            if let fsType = udev["ID_FS_TYPE"], !fsType.isEmpty {
                batch.gauge(
                    "node_disk_filesystem_info", "Info about disk filesystem.", 1,
                    [device, Label("type", fsType), Label("usage", udev["ID_FS_USAGE"] ?? ""),
                     Label("uuid", udev["ID_FS_UUID"] ?? ""), Label("version", udev["ID_FS_VERSION"] ?? "")])
            }
            if let dmName = udev["DM_NAME"], !dmName.isEmpty {
                batch.gauge(
                    "node_disk_device_mapper_info", "Info about disk device mapper.", 1,
                    [device, Label("name", dmName), Label("uuid", udev["DM_UUID"] ?? ""),
                     Label("vg_name", udev["DM_VG_NAME"] ?? ""), Label("lv_name", udev["DM_LV_NAME"] ?? ""),
                     Label("lv_layer", udev["DM_LV_LAYER"] ?? "")])
            }
            if let ata = udev["ID_ATA"], !ata.isEmpty {
                for (key, metric, help) in Self.ataProperties {
                    if let text = udev[key], let value = Double(text) {
                        batch.gauge(metric, help, value, [device])
                    }
                }
            }
        }
    }

    private static let ataProperties: [(String, String, String)] = [
        ("ID_ATA_WRITE_CACHE", "node_disk_ata_write_cache", "ATA disk has a write cache."),
        ("ID_ATA_WRITE_CACHE_ENABLED", "node_disk_ata_write_cache_enabled", "ATA disk has its write cache enabled."),
        ("ID_ATA_ROTATION_RATE_RPM", "node_disk_ata_rotation_rate_rpm", "ATA disk rotation rate in RPMs (0 for SSDs)."),
    ]

    /// `/sys/block/<dev>/queue/rotational` as "0" or "1"; "0" when it cannot be read, as node_exporter 1.9 does.
    /// sysfs spells a `/` in a device name (`cciss/c0d0`) as `!`.
    private func rotational(_ device: String) -> String {
        let sysName = String(device.map { $0 == "/" ? "!" : $0 })
        guard let text = try? paths.files.readTrimmed(paths.sys("block/" + sysName + "/queue/rotational")),
              let value = UInt64(text)
        else { return "0" }
        return value == 0 ? "0" : "1"
    }
}
