extension FileReader {
    /// The whole content of `path` as text, or nil when the file does not exist (optional kernel files such as
    /// `/proc/net/snmp6` without IPv6). Other read errors still throw.
    public static func readStringIfPresent(_ path: String, sizeHint: Int = 4096) throws(FileReadError) -> String? {
        do {
            return try readString(path, sizeHint: sizeHint)
        } catch .notFound {
            return nil
        } catch {
            throw error
        }
    }
}
