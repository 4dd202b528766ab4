import NoaCore
import NoaProcfs
import NoaSources
import Testing

@Suite struct NetclassCollectorTests {
    /// eth0 as captured on the Debian 12 VM (virtio: speed -1, duplex unknown), plus a down dummy interface whose
    /// speed/duplex/carrier/dormant reads fail (absent here), and `bonding_masters`, a regular file.
    static func makeTree() throws -> FixtureTree {
        let tree = FixtureTree()
        let eth0: [(String, String)] = [
            ("addr_assign_type", "0"), ("address", "02:fc:00:00:00:01"), ("broadcast", "ff:ff:ff:ff:ff:ff"),
            ("carrier", "1"), ("carrier_changes", "2"), ("carrier_up_count", "1"), ("carrier_down_count", "1"),
            ("dev_id", "0x0"), ("dormant", "0"), ("duplex", "unknown"), ("flags", "0x1003"), ("ifalias", ""),
            ("ifindex", "4"), ("iflink", "4"), ("link_mode", "0"), ("mtu", "1400"), ("name_assign_type", "1"),
            ("netdev_group", "0"), ("operstate", "up"), ("speed", "-1"), ("tx_queue_len", "1000"), ("type", "1"),
        ]
        for (name, value) in eth0 { tree.write("sys/class/net/eth0/\(name)", value + "\n") }
        let dummy: [(String, String)] = [
            ("address", "5a:a7:f5:19:ef:1a"), ("flags", "0x82"), ("operstate", "down"), ("mtu", "1500"),
            ("ifindex", "3"), ("type", "1"), ("ifalias", "uplink to rack 7"),
        ]
        for (name, value) in dummy { tree.write("sys/class/net/dummy0/\(name)", value + "\n") }
        tree.write("sys/class/net/bonding_masters", "\n")
        tree.write("sys/class/net/fast0/ifindex", "9\n")  // every netdev has one; its absence means gone
        tree.write("sys/class/net/fast0/speed", "10000\n")
        tree.write("sys/class/net/fast0/operstate", "up\n")
        return tree
    }

    @Test func invalidSpeedCanBeLeftOut() throws {
        let tree = try Self.makeTree()
        var options = HostMetricsOptions()
        options.netclassIgnoreInvalidSpeed = true
        let batch = try collect(NetclassCollector(context: testContext(tree, options: options)))
        #expect(batch.value("node_network_speed_bytes", ["device": "eth0"]) == nil)
        #expect(batch.value("node_network_speed_bytes", ["device": "fast0"]) == 1_250_000_000)
    }

    @Test func exposesAttributesAndLeavesUnknownOnesOut() throws {
        let tree = try Self.makeTree()
        let batch = try collect(NetclassCollector(context: testContext(tree)))

        #expect(Set(batch.labelSets("node_network_up").compactMap { $0["device"] }) == ["eth0", "dummy0", "fast0"])
        #expect(batch.value("node_network_up", ["device": "eth0"]) == 1)
        #expect(batch.value("node_network_up", ["device": "dummy0"]) == 0)
        #expect(batch.labelSets("node_network_info").first { $0["device"] == "eth0" } == [
            "device": "eth0", "address": "02:fc:00:00:00:01", "broadcast": "ff:ff:ff:ff:ff:ff",
            "duplex": "unknown", "operstate": "up", "adminstate": "up", "ifalias": "",
        ])
        #expect(batch.labelSets("node_network_info").first { $0["device"] == "dummy0" }?["adminstate"] == "down")
        #expect(batch.labelSets("node_network_info").first { $0["device"] == "dummy0" }?["ifalias"] == "uplink to rack 7")
        #expect(batch.value("node_network_flags", ["device": "eth0"]) == 4099)
        #expect(batch.value("node_network_mtu_bytes", ["device": "eth0"]) == 1400)
        #expect(batch.value("node_network_transmit_queue_length", ["device": "eth0"]) == 1000)
        #expect(batch.value("node_network_protocol_type", ["device": "eth0"]) == 1)
        #expect(batch.family(named: "node_network_carrier_changes_total")?.type == .counter)
        #expect(batch.value("node_network_carrier", ["device": "dummy0"]) == nil)
        // speed -1 is unknown: exposed as node_exporter 1.x does by default. 10000 Mbit/s is 1.25e9 bytes/s.
        #expect(batch.value("node_network_speed_bytes", ["device": "eth0"]) == -125_000)
        #expect(batch.value("node_network_speed_bytes", ["device": "fast0"]) == 1_250_000_000)
    }

    @Test func deviceExcludeApplies() throws {
        let tree = try Self.makeTree()
        let options = HostMetricsOptions(netDeviceExclude: "^dummy")
        let batch = try collect(NetclassCollector(context: testContext(tree, options: options)))
        #expect(Set(batch.labelSets("node_network_up").compactMap { $0["device"] }) == ["eth0", "fast0"])
    }

    @Test func noSysClassNetIsUnavailable() throws {
        let tree = FixtureTree()
        #expect(throws: HostCollectorError.self) { try collect(NetclassCollector(context: testContext(tree))) }
    }

    @Test(arguments: [("0x1003", 4099), ("1500", 1500), ("-1", -1), ("0x0", 0), ("12\n", 12)] as [(String, Int64)])
    func parsesSysfsIntegers(_ text: String, _ value: Int64) {
        #expect(NetClass.parseInteger(Substring(text)) == value)
    }

    @Test(arguments: ["", "x", "0x", "1.5"])
    func rejectsNonIntegers(_ text: String) {
        #expect(NetClass.parseInteger(Substring(text)) == nil)
    }
}

@Suite struct NetdevCollectorTests {
    @Test func namesEveryColumnLikeNodeExporter() throws {
        let tree = FixtureTree()
        tree.write("proc/net/dev", """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:   63124      66    0    0    0     0          0         0    63124      66    0    0    0     0       0          0
              eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
            """)
        tree.write("sys/class/net/eth0/statistics/rx_nohandler", "17\n")
        let batch = try collect(NetdevCollector(context: testContext(tree)))
        let eth0 = ["device": "eth0"]
        let expected: [(String, Double)] = [
            ("receive_bytes", 1), ("receive_packets", 2), ("receive_errs", 3), ("receive_drop", 4),
            ("receive_fifo", 5), ("receive_frame", 6), ("receive_compressed", 7), ("receive_multicast", 8),
            ("transmit_bytes", 9), ("transmit_packets", 10), ("transmit_errs", 11), ("transmit_drop", 12),
            ("transmit_fifo", 13), ("transmit_colls", 14), ("transmit_carrier", 15), ("transmit_compressed", 16),
            ("receive_nohandler", 17),
        ]
        for (name, value) in expected {
            #expect(batch.value("node_network_\(name)_total", eth0) == value, "\(name)")
            #expect(batch.family(named: "node_network_\(name)_total")?.type == .counter)
        }
        #expect(batch.value("node_network_receive_bytes_total", ["device": "lo"]) == 63124)
        #expect(batch.value("node_network_receive_nohandler_total", ["device": "lo"]) == nil)
    }

    @Test func malformedFileThrows() throws {
        let tree = FixtureTree()
        tree.write("proc/net/dev", "h1\nh2\n  eth0: 1 2 3\n")
        #expect(throws: ParseError.self) { try collect(NetdevCollector(context: testContext(tree))) }
    }
}

@Suite struct NetstatCollectorTests {
    static let netstat = """
        TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeouts TCPOFOQueue DelayedACKs
        TcpExt: 1 2 3 4 5 6
        IpExt: InOctets OutOctets InNoRoutes
        IpExt: 100 200 7
        """
    static let snmp = """
        Ip: Forwarding DefaultTTL
        Ip: 2 64
        Tcp: RtoAlgorithm MaxConn ActiveOpens InErrs CurrEstab
        Tcp: 1 -1 32 0 3
        Udp: InDatagrams InErrors IgnoredMulti
        Udp: 9 1 4
        UdpLite: InDatagrams InErrors
        UdpLite: 0 0
        """

    @Test func keepsOnlyDefaultFields() throws {
        let tree = FixtureTree()
        tree.write("proc/net/netstat", Self.netstat)
        tree.write("proc/net/snmp", Self.snmp)
        tree.write("proc/net/snmp6", "Ip6InOctets                     \t128\nIp6InReceives 1\nUdp6InErrors 2\n")
        let batch = try collect(NetstatCollector(context: testContext(tree)))
        let names = Set(batch.families.map(\.name))
        #expect(names == [
            "node_netstat_TcpExt_SyncookiesSent", "node_netstat_TcpExt_ListenOverflows",
            "node_netstat_TcpExt_ListenDrops", "node_netstat_TcpExt_TCPTimeouts", "node_netstat_TcpExt_TCPOFOQueue",
            "node_netstat_IpExt_InOctets", "node_netstat_IpExt_OutOctets", "node_netstat_Ip_Forwarding",
            "node_netstat_Tcp_ActiveOpens", "node_netstat_Tcp_InErrs", "node_netstat_Tcp_CurrEstab",
            "node_netstat_Udp_InDatagrams", "node_netstat_Udp_InErrors", "node_netstat_UdpLite_InErrors",
            "node_netstat_Ip6_InOctets", "node_netstat_Udp6_InErrors",
        ])
        #expect(batch.families.allSatisfy { $0.type == .untyped })
        #expect(batch.value("node_netstat_Ip6_InOctets") == 128)
        #expect(batch.family(named: "node_netstat_Tcp_InErrs")?.help == "Statistic TcpInErrs.")
    }

    /// Later scrapes reuse the layout decided from the headers; new values are read, and a changed header (a
    /// kernel with other fields) is decided again.
    @Test func laterScrapesReadNewValuesAndFollowAChangedLayout() throws {
        let tree = FixtureTree()
        tree.write("proc/net/netstat", Self.netstat)
        tree.write("proc/net/snmp", Self.snmp)
        tree.write("proc/net/snmp6", "Ip6InOctets 128\nUdp6InErrors 2\n")
        let collector = NetstatCollector(context: testContext(tree))
        _ = try collect(collector)
        tree.write("proc/net/snmp", Self.snmp.replacing("Tcp: 1 -1 32 0 3", with: "Tcp: 1 -1 33 0 4"))
        tree.write("proc/net/snmp6", "Ip6InOctets 256\nUdp6InErrors 2\n")
        var batch = try collect(collector)
        #expect(batch.value("node_netstat_Tcp_ActiveOpens") == 33 && batch.value("node_netstat_Tcp_CurrEstab") == 4)
        #expect(batch.value("node_netstat_Ip6_InOctets") == 256)
        tree.write("proc/net/snmp", Self.snmp.replacing(
            "Tcp: RtoAlgorithm MaxConn ActiveOpens InErrs CurrEstab\nTcp: 1 -1 32 0 3",
            with: "Tcp: RtoAlgorithm CurrEstab InErrs\nTcp: 1 9 8"))
        tree.write("proc/net/snmp6", "Udp6InErrors 5\nIp6InOctets 512\n")
        batch = try collect(collector)
        #expect(batch.value("node_netstat_Tcp_CurrEstab") == 9 && batch.value("node_netstat_Tcp_InErrs") == 8)
        #expect(batch.family(named: "node_netstat_Tcp_ActiveOpens") == nil)
        #expect(batch.value("node_netstat_Ip6_InOctets") == 512 && batch.value("node_netstat_Udp6_InErrors") == 5)
        tree.write("proc/net/snmp", "Tcp: A B\nTcp: 1\n")
        #expect(throws: ParseError.self) { try collect(collector) }
    }

    @Test func missingSNMP6IsFine() throws {
        let tree = FixtureTree()
        tree.write("proc/net/netstat", Self.netstat)
        tree.write("proc/net/snmp", Self.snmp)
        let batch = try collect(NetstatCollector(context: testContext(tree)))
        #expect(batch.value("node_netstat_Tcp_CurrEstab") == 3)
    }

    @Test func missingNetstatThrows() throws {
        let tree = FixtureTree()
        tree.write("proc/net/snmp", Self.snmp)
        #expect(throws: FileReadError.self) { try collect(NetstatCollector(context: testContext(tree))) }
    }
}

@Suite struct SockstatCollectorTests {
    @Test func addsMemBytesAndIPv6() throws {
        let tree = FixtureTree()
        tree.write("proc/net/sockstat", """
            sockets: used 35
            TCP: inuse 1 orphan 0 tw 1 alloc 1 mem 6
            UDP: inuse 0 mem 2
            UDPLITE: inuse 0
            RAW: inuse 0
            FRAG: inuse 0 memory 0
            """)
        tree.write("proc/net/sockstat6", "TCP6: inuse 2\nUDP6: inuse 0\nFRAG6: inuse 0 memory 0\n")
        let batch = try collect(SockstatCollector(context: testContext(tree)))
        #expect(batch.value("node_sockstat_sockets_used") == 35)
        #expect(batch.value("node_sockstat_TCP_tw") == 1)
        #expect(batch.value("node_sockstat_TCP_mem") == 6)
        let pageBytes = try #require(batch.value("node_sockstat_TCP_mem_bytes"))
        #expect(pageBytes.truncatingRemainder(dividingBy: 6) == 0 && pageBytes >= 6 * 4096)
        #expect(batch.value("node_sockstat_UDP_mem_bytes") == pageBytes / 3)
        #expect(batch.value("node_sockstat_FRAG_memory") == 0)
        #expect(batch.value("node_sockstat_TCP6_inuse") == 2)
        #expect(batch.value("node_sockstat_FRAG6_memory") == 0)
        #expect(batch.families.allSatisfy { $0.type == .gauge })
    }

    @Test func bothFilesMissingIsUnavailable() throws {
        let tree = FixtureTree()
        #expect(throws: HostCollectorError.self) { try collect(SockstatCollector(context: testContext(tree))) }
    }
}

@Suite struct SmallNetworkCollectorsTests {
    @Test func softnetPerCPU() throws {
        let tree = FixtureTree()
        tree.write("proc/net/softnet_stat", """
            00000029 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000003 00000004 00000005 00000006 00000000 00000000 00000000
            000003fc 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000000 00000000
            """)
        let batch = try collect(SoftnetCollector(context: testContext(tree)))
        #expect(batch.value("node_softnet_processed_total", ["cpu": "0"]) == 41)
        #expect(batch.value("node_softnet_processed_total", ["cpu": "2"]) == 1020)
        #expect(batch.value("node_softnet_dropped_total", ["cpu": "0"]) == 1)
        #expect(batch.value("node_softnet_times_squeezed_total", ["cpu": "0"]) == 2)
        #expect(batch.value("node_softnet_cpu_collision_total", ["cpu": "0"]) == 3)
        #expect(batch.value("node_softnet_received_rps_total", ["cpu": "0"]) == 4)
        #expect(batch.value("node_softnet_flow_limit_count_total", ["cpu": "0"]) == 5)
        #expect(batch.value("node_softnet_backlog_len", ["cpu": "0"]) == 6)
        #expect(batch.family(named: "node_softnet_backlog_len")?.type == .gauge)
    }

    @Test func arpPerDevice() throws {
        let tree = FixtureTree()
        tree.write("proc/net/arp", """
            IP address       HW type     Flags       HW address            Mask     Device
            192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
            192.0.2.9        0x1         0x2         02:fc:00:00:00:06     *        eth0
            """)
        let batch = try collect(ArpCollector(context: testContext(tree)))
        #expect(batch.labelSets("node_arp_entries") == [["device": "eth0"]])
        #expect(batch.value("node_arp_entries") == 2)
    }

    @Test func conntrackSumsStats() throws {
        let tree = FixtureTree()
        tree.write("proc/sys/net/netfilter/nf_conntrack_count", "12\n")
        tree.write("proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
        tree.write("proc/net/stat/nf_conntrack", """
            entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
            0000000c  00000000 00000001 00000000 00000002 00000003 00000000 00000000 00000004 00000005 00000006 00000007 00000000  00000000 00000000 00000000 00000008
            0000000c  00000000 00000001 00000000 00000002 00000003 00000000 00000000 00000004 00000005 00000006 00000007 00000000  00000000 00000000 00000000 00000008
            """)
        let batch = try collect(ConntrackCollector(context: testContext(tree)))
        #expect(batch.value("node_nf_conntrack_entries") == 12)
        #expect(batch.value("node_nf_conntrack_entries_limit") == 262144)
        let expected: [(String, Double)] = [
            ("found", 2), ("invalid", 4), ("ignore", 6), ("insert", 8), ("insert_failed", 10), ("drop", 12),
            ("early_drop", 14), ("search_restart", 16),
        ]
        for (name, value) in expected {
            #expect(batch.value("node_nf_conntrack_stat_\(name)") == value, "\(name)")
        }
    }

    @Test func conntrackWithoutModuleIsUnavailable() throws {
        let tree = FixtureTree()
        #expect(throws: HostCollectorError.self) { try collect(ConntrackCollector(context: testContext(tree))) }
    }

    @Test func conntrackGarbageCountThrows() throws {
        let tree = FixtureTree()
        tree.write("proc/sys/net/netfilter/nf_conntrack_count", "lots\n")
        #expect(throws: ParseError.self) { try collect(ConntrackCollector(context: testContext(tree))) }
    }

    @Test func udpQueuesV4AndV6() throws {
        let tree = FixtureTree()
        let header = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
        tree.write("proc/net/udp", header + "  1: 00000000:0044 00000000:0000 07 00000010:00000200 00:00000000 00000000     0        0 1 2 0000000000000000 0\n")
        let batch = try collect(UdpQueuesCollector(context: testContext(tree)))
        #expect(batch.value("node_udp_queues", ["ip": "v4", "queue": "tx"]) == 16)
        #expect(batch.value("node_udp_queues", ["ip": "v4", "queue": "rx"]) == 512)
        #expect(batch.value("node_udp_queues", ["ip": "v6", "queue": "rx"]) == nil)

        tree.write("proc/net/udp6", header)
        let both = try collect(UdpQueuesCollector(context: testContext(tree)))
        #expect(both.value("node_udp_queues", ["ip": "v6", "queue": "tx"]) == 0)
    }

    @Test func udpQueuesWithoutFilesIsUnavailable() throws {
        let tree = FixtureTree()
        #expect(throws: HostCollectorError.self) { try collect(UdpQueuesCollector(context: testContext(tree))) }
    }
}
