import NoaCore

/// The parts of a journal cursor (`s=<seqnum id>;i=<seqnum>;b=<boot id>;m=<monotonic>;t=<realtime>;x=<xor hash>`,
/// all hex) that identify an entry. libsystemd documents cursors as opaque; this reads them only to derive a
/// document id, and falls back to a hash of the whole text when a cursor doesn't look like this.
public struct JournalCursor: Sendable, Equatable {
    /// The sequence number series (`s=`): one per journald instance, kept across file rotations.
    public var seqnumID: String
    /// The entry's sequence number within that series (`i=`, hex as in the cursor).
    public var seqnum: String

    /// Parses the `s=` and `i=` parts; nil when either is missing or not hex.
    public init?(_ cursor: String) {
        var seqnumID: Substring?
        var seqnum: Substring?
        for part in cursor.split(separator: ";") {
            if part.hasPrefix("s=") { seqnumID = part.dropFirst(2) }
            else if part.hasPrefix("i=") { seqnum = part.dropFirst(2) }
        }
        guard let seqnumID, let seqnum, !seqnumID.isEmpty, !seqnum.isEmpty, seqnumID.count <= 32, seqnum.count <= 16,
            seqnumID.utf8.allSatisfy({ hexValue($0) != nil }), seqnum.utf8.allSatisfy({ hexValue($0) != nil })
        else { return nil }
        self.seqnumID = seqnumID.lowercased()
        self.seqnum = seqnum.lowercased()
    }

    /// A stable id for the entry a cursor names: `<seqnum id>-<seqnum>` (hex), e.g.
    /// `a85c4fabc3314e1e83e960914ae8c228-1f4`. A seqnum id plus seqnum names one entry (journald never reuses a
    /// pair), and the same entry read again, after a restart or from a replay, gives the same id; the boot id is not
    /// needed. A cursor without those parts gets `c-` and a 128-bit FNV-1a hash of its text.
    public static func recordID(for cursor: String) -> String {
        if let id = fastRecordID(cursor) { return id }
        if let parsed = JournalCursor(cursor) { return parsed.seqnumID + "-" + parsed.seqnum }
        // Two 64-bit FNV-1a hashes with different offset bases: stable across runs and builds (unlike Hasher).
        var a = FNV1a()
        var b = FNV1a(basis: 0x6c62_272e_07bb_0142)
        for byte in cursor.utf8 {
            a.combine(byte)
            b.combine(byte)
        }
        return "c-" + hexString(a.value) + hexString(b.value)
    }

    /// `recordID` for the cursors libsystemd writes (`s=` first, `i=` second, lower-case hex), in one pass over the
    /// bytes: this runs for every entry shipped, where splitting the text cost a sixth of the journal pipeline.
    /// Anything else returns nil and takes the general path.
    static func fastRecordID(_ cursor: String) -> String? {
        var cursor = cursor
        return cursor.withUTF8 { fastRecordID(bytes: $0) }
    }

    /// `recordID` from the cursor's bytes (an entry's, without making the cursor a String first).
    static func recordID(bytes: UnsafeBufferPointer<UInt8>) -> String {
        fastRecordID(bytes: bytes) ?? recordID(for: String(decoding: bytes, as: UTF8.self))
    }

    static func fastRecordID(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        ByteReader.read(UnsafeRawBufferPointer(bytes)) { r -> String? in
            guard r.remaining > 6, r.skip(ifNext: UInt8(ascii: "s")), r.skip(ifNext: UInt8(ascii: "=")) else { return nil }
            let id = r.position..<(r.position + r.skip(whileByte: isLowerHex))
            guard !id.isEmpty, id.count <= 32, r.skip(ifNext: UInt8(ascii: ";")), r.skip(ifNext: UInt8(ascii: "i")),
                r.skip(ifNext: UInt8(ascii: "="))
            else { return nil }
            let seqnum = r.position..<(r.position + r.skip(whileByte: isLowerHex))
            guard !seqnum.isEmpty, seqnum.count <= 16, r.isAtEnd || r.peek() == UInt8(ascii: ";") else { return nil }
            // Written straight into the String's storage: one allocation.
            return ByteWriter.string(capacity: id.count + 1 + seqnum.count) { w in
                r.withBytes(id) { w.write($0) }
                w.write(UInt8(ascii: "-"))
                r.withBytes(seqnum) { w.write($0) }
            }
        }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
