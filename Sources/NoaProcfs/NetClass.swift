/// The attributes of one network interface under `/sys/class/net/<iface>/` (kernel
/// `Documentation/ABI/testing/sysfs-class-net`). Every attribute is optional: virtual and down interfaces answer
/// EINVAL for `speed`, `duplex`, `carrier` and `dormant`, which means the value is not known, not an error.
public struct NetClassInterface: Sendable, Equatable {
    public var name: String
    public var address: String?
    public var broadcast: String?
    public var duplex: String?
    public var ifAlias: String?
    public var operState: String?
    public var addrAssignType: Int64?
    public var carrier: Int64?
    public var carrierChanges: Int64?
    public var carrierUpCount: Int64?
    public var carrierDownCount: Int64?
    public var devID: Int64?
    public var dormant: Int64?
    public var flags: Int64?
    public var ifIndex: Int64?
    public var ifLink: Int64?
    public var linkMode: Int64?
    public var mtu: Int64?
    public var nameAssignType: Int64?
    public var netDevGroup: Int64?
    /// Mbit/s; -1 when the driver does not know.
    public var speed: Int64?
    public var txQueueLen: Int64?
    public var type: Int64?

    public init(name: String) {
        self.name = name
    }
}

/// Reader of `/sys/class/net`.
public enum NetClass {
    /// Parses a sysfs integer attribute the way the kernel prints them: decimal, or hex with `0x` (`flags`,
    /// `dev_id`), possibly negative (`speed` is -1 when unknown).
    public static func parseInteger(_ text: Substring) -> Int64? {
        var s = text
        while let last = s.last, last == "\n" || last == " " { s.removeLast() }
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return Int64(s.dropFirst(2), radix: 16) }
        return Int64(s)
    }

    /// The entries of `<sys>/class/net`, sorted. Besides the interface symlinks this can hold regular files such
    /// as `bonding_masters`; `read(_:interface:)` refuses those (they are not directories), which is cheaper than
    /// a `stat` per entry.
    public static func interfaceNames(_ paths: HostPaths) throws(FileReadError) -> [String] {
        try FileReader.listDirectory(paths.sys("class/net")).sorted()
    }

    /// Reads every attribute of interface `name`; attributes that cannot be read are left nil. Throws only when
    /// the interface has no `ifindex`: it went away since it was listed, or `name` is a regular file such as
    /// `bonding_masters`. Attributes are read through `paths.files`, which keeps them open between scrapes.
    public static func read(_ paths: HostPaths, interface name: String) throws(FileReadError) -> NetClassInterface {
        let directory = paths.sys("class/net/") + name + "/"
        let ifIndex = try paths.files.readTrimmed(directory + "ifindex")
        func string(_ attribute: String) -> String? {
            attribute == "ifindex" ? ifIndex : paths.files.attribute(directory + attribute)
        }
        func integer(_ attribute: String) -> Int64? {
            string(attribute).flatMap { parseInteger(Substring($0)) }
        }
        var iface = NetClassInterface(name: name)
        iface.address = string("address")
        iface.broadcast = string("broadcast")
        iface.duplex = string("duplex")
        iface.ifAlias = string("ifalias")
        iface.operState = string("operstate")
        iface.addrAssignType = integer("addr_assign_type")
        iface.carrier = integer("carrier")
        iface.carrierChanges = integer("carrier_changes")
        iface.carrierUpCount = integer("carrier_up_count")
        iface.carrierDownCount = integer("carrier_down_count")
        iface.devID = integer("dev_id")
        iface.dormant = integer("dormant")
        iface.flags = integer("flags")
        iface.ifIndex = integer("ifindex")
        iface.ifLink = integer("iflink")
        iface.linkMode = integer("link_mode")
        iface.mtu = integer("mtu")
        iface.nameAssignType = integer("name_assign_type")
        iface.netDevGroup = integer("netdev_group")
        iface.speed = integer("speed")
        iface.txQueueLen = integer("tx_queue_len")
        iface.type = integer("type")
        return iface
    }
}
