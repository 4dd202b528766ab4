/// `/proc/sys/kernel/random/entropy_avail` and `poolsize` (random(4)): one decimal number each, in bits.
public struct Entropy: Sendable, Equatable {
    public var availableBits: UInt64
    public var poolSizeBits: UInt64

    public init(availableBits: UInt64, poolSizeBits: UInt64) {
        self.availableBits = availableBits
        self.poolSizeBits = poolSizeBits
    }

    /// Parses the contents of the two files.
    public static func parse(available: String, poolSize: String) throws(ParseError) -> Entropy {
        Entropy(
            availableBits: try singleNumber(available, file: "/proc/sys/kernel/random/entropy_avail"),
            poolSizeBits: try singleNumber(poolSize, file: "/proc/sys/kernel/random/poolsize"))
    }

    /// Reads and parses `<proc>/sys/kernel/random/{entropy_avail,poolsize}`.
    public static func read(_ paths: HostPaths) throws -> Entropy {
        try parse(
            available: paths.files.readString(paths.proc("sys/kernel/random/entropy_avail"), sizeHint: 64),
            poolSize: paths.files.readString(paths.proc("sys/kernel/random/poolsize"), sizeHint: 64))
    }
}

/// `/proc/sys/fs/file-nr` (proc_sys_fs(5)): allocated handles, free allocated handles (always 0 since 2.6),
/// and the maximum (`file-max`), tab-separated.
public struct FileNr: Sendable, Equatable {
    public var allocated: UInt64
    public var maximum: UInt64

    public init(allocated: UInt64, maximum: UInt64) {
        self.allocated = allocated
        self.maximum = maximum
    }

    /// Parses the content of `/proc/sys/fs/file-nr`.
    public static func parse(_ text: String) throws(ParseError) -> FileNr {
        let fields = text.procFields()
        guard fields.count == 3 else {
            throw ParseError(file: "/proc/sys/fs/file-nr", reason: "expected 3 fields, found \(fields.count)")
        }
        guard let allocated = UInt64(fields[0]), let maximum = UInt64(fields[2]) else {
            throw ParseError(file: "/proc/sys/fs/file-nr", reason: "fields are not numbers")
        }
        return FileNr(allocated: allocated, maximum: maximum)
    }

    /// Reads and parses `<proc>/sys/fs/file-nr`.
    public static func read(_ paths: HostPaths) throws -> FileNr {
        try parse(paths.files.readString(paths.proc("sys/fs/file-nr"), sizeHint: 64))
    }
}

/// The single unsigned number of a one-value procfs file.
func singleNumber(_ text: String, file: String) throws(ParseError) -> UInt64 {
    let fields = text.procFields()
    guard fields.count == 1, let value = UInt64(fields[0]) else {
        throw ParseError(file: file, reason: "expected one unsigned number")
    }
    return value
}
