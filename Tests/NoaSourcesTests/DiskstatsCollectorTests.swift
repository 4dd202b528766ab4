import NoaCore
import NoaProcfs
import NoaSources
import Testing

@Suite struct DiskstatsCollectorTests {
    static let diskstats = """
           7       0 loop0 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0
           8       0 sda 100 2 800 30 40 5 1600 70 1 90 100 3 0 24 4 6 8
           8       1 sda1 1 0 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0
         253       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
         259       0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11
         259       1 nvme0n1p1 1 2 3 4 5 6 7 8 9 10 11
        """

    @Test func convertsUnitsAndFiltersDevices() throws {
        let tree = FixtureTree()
        tree.write("proc/diskstats", Self.diskstats)
        tree.write("sys/block/sda/queue/rotational", "1\n")
        tree.write("run/udev/data/b8:0", """
            S:disk/by-id/ata-Samsung
            E:ID_ATA=1
            E:ID_ATA_ROTATION_RATE_RPM=0
            E:ID_MODEL=Samsung_SSD
            E:ID_SERIAL_SHORT=S1234
            E:ID_PATH=pci-0000:00:1f.2-ata-1
            E:ID_WWN=0x5002538
            E:ID_REVISION=EXT0
            E:ID_FS_TYPE=ext4
            E:ID_FS_UUID=1234-abcd
            E:ID_FS_USAGE=filesystem
            E:ID_FS_VERSION=1.0
            """)
        let batch = try collect(DiskstatsCollector(context: testContext(tree)))

        #expect(Set(batch.labelSets("node_disk_reads_completed_total").compactMap { $0["device"] }) == ["sda", "nvme0n1"])
        let sda = ["device": "sda"]
        #expect(batch.value("node_disk_reads_completed_total", sda) == 100)
        #expect(batch.value("node_disk_read_bytes_total", sda) == 409_600)
        #expect(batch.value("node_disk_read_time_seconds_total", sda) == 0.03)
        #expect(batch.value("node_disk_written_bytes_total", sda) == 819_200)
        #expect(batch.value("node_disk_io_now", sda) == 1)
        #expect(batch.value("node_disk_io_time_weighted_seconds_total", sda) == 0.1)
        #expect(batch.value("node_disk_discarded_sectors_total", sda) == 24)
        #expect(batch.value("node_disk_flush_requests_total", sda) == 6)
        #expect(batch.value("node_disk_flush_requests_time_seconds_total", sda) == 0.008)
        #expect(batch.family(named: "node_disk_io_now")?.type == .gauge)

        // An 11-counter kernel line has no discard or flush series.
        #expect(batch.value("node_disk_io_time_weighted_seconds_total", ["device": "nvme0n1"]) == 0.011)
        #expect(batch.value("node_disk_discards_completed_total", ["device": "nvme0n1"]) == nil)

        #expect(batch.labelSets("node_disk_info").first { $0["device"] == "sda" } == [
            "device": "sda", "major": "8", "minor": "0", "path": "pci-0000:00:1f.2-ata-1", "wwn": "0x5002538",
            "model": "Samsung_SSD", "serial": "S1234", "revision": "EXT0", "rotational": "1",
        ])
        #expect(batch.labelSets("node_disk_info").first { $0["device"] == "nvme0n1" }?["rotational"] == "0")
        #expect(batch.labelSets("node_disk_filesystem_info") == [
            ["device": "sda", "type": "ext4", "usage": "filesystem", "uuid": "1234-abcd", "version": "1.0"],
        ])
        #expect(batch.value("node_disk_ata_rotation_rate_rpm", sda) == 0)
        #expect(batch.family(named: "node_disk_device_mapper_info") == nil)
    }

    @Test func missingFileThrows() throws {
        let tree = FixtureTree()
        #expect(throws: FileReadError.self) { try collect(DiskstatsCollector(context: testContext(tree))) }
    }

    @Test func invalidExcludePatternThrows() throws {
        let tree = FixtureTree()
        tree.write("proc/diskstats", Self.diskstats)
        let options = HostMetricsOptions(diskstatsDeviceExclude: "^(unclosed")
        #expect(throws: NameFilterError.self) { try collect(DiskstatsCollector(context: testContext(tree, options: options))) }
    }
}

@Suite struct NameFilterTests {
    @Test(arguments: [
        ("sda", false), ("sda1", true), ("loop0", true), ("zram0", true), ("ram0", true), ("nvme0n1", false),
        ("nvme0n1p2", true), ("dm-0", false), ("xvda1", true), ("md0", false),
    ])
    func diskstatsDefault(_ device: String, _ excluded: Bool) {
        let filter = NameFilter(excluding: HostMetricsOptions().diskstatsDeviceExclude)
        #expect(filter.excludes(device) == excluded)
        #expect(filter.excludes(device) == excluded)  // the memoised answer is the same
    }

    @Test func nilOrEmptyExcludesNothing() throws {
        #expect(!NameFilter(excluding: nil).excludes("anything"))
        #expect(!NameFilter(excluding: "").excludes("anything"))
        try NameFilter(excluding: nil).validate()
    }

    @Test func matchesAnywhereLikeGo() {
        #expect(NameFilter(excluding: "veth").excludes("aveth0"))
    }

    @Test func memoIsBounded() {
        let filter = NameFilter(excluding: "^x", memoLimit: 4)
        for i in 0..<100 { #expect(filter.excludes("x\(i)")) }
        #expect(!filter.excludes("y"))
    }
}
