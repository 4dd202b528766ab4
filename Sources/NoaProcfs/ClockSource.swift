/// One clocksource device of `/sys/devices/system/clocksource/clocksourceN/`
/// (Documentation/ABI/testing/sysfs-devices-system-clocksource): `available_clocksource` is a space-separated
/// list, `current_clocksource` one name.
public struct ClockSource: Sendable, Equatable {
    /// The directory name, such as `clocksource0`.
    public var name: String
    public var available: [String]
    public var current: String

    public init(name: String, available: [String], current: String) {
        self.name = name
        self.available = available
        self.current = current
    }

    /// Parses the two attribute files of one device.
    public static func parse(name: String, available: String, current: String) throws(ParseError) -> ClockSource {
        let list = available.procFields().map(String.init)
        let currentFields = current.procFields()
        guard currentFields.count == 1 else {
            throw ParseError(file: "current_clocksource", reason: "expected one name, found \(currentFields.count)")
        }
        return ClockSource(name: name, available: list, current: String(currentFields[0]))
    }

    /// Every `<sys>/devices/system/clocksource/clocksource*` device, sorted by name as a shell glob sorts.
    public static func read(_ paths: HostPaths) throws -> [ClockSource] {
        let base = paths.sys("devices/system/clocksource")
        let names = try FileReader.listDirectory(base).filter { $0.hasPrefix("clocksource") }.sorted()
        var result: [ClockSource] = []
        for name in names {
            let dir = base + "/" + name + "/"
            result.append(try parse(
                name: name,
                available: paths.files.readString(dir + "available_clocksource", sizeHint: 256),
                current: paths.files.readString(dir + "current_clocksource", sizeHint: 256)))
        }
        return result
    }
}
