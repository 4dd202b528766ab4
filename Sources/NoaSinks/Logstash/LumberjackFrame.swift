import NoaCodecs

/// One frame of the Lumberjack v2 protocol (the Beats protocol Logstash's `beats` input and go-lumber speak).
///
/// Every frame starts with the version byte `2` and a type byte; integers are unsigned 32-bit big-endian:
///
/// | type | body | direction |
/// |---|---|---|
/// | `W` window size | count | client → server: how many data frames the next window holds |
/// | `J` JSON data | sequence, length, JSON bytes | client → server: one event; sequences run 1…count in a window |
/// | `C` compressed | length, zlib (RFC 1950) bytes of further frames | client → server |
/// | `A` ack | sequence | server → client: every event up to this sequence is processed |
///
/// An ack below the window's count is progress (Logstash acks what it has processed, and repeats an earlier
/// sequence as a keep-alive while its pipeline is busy); the window is done when the last sequence is acked.
/// (v1's `D` key/value data frames are not used: v2 servers take JSON.)
public enum LumberjackFrame: Sendable, Equatable {
    case window(UInt32)
    case json(sequence: UInt32, payload: [UInt8])
    /// The compressed bytes as on the wire; `Lumberjack.inflate` gives the frames inside.
    case compressed([UInt8])
    case ack(UInt32)
}

/// Encoding and decoding of Lumberjack v2 frames, apart from any socket, so they are tested byte for byte.
public enum Lumberjack {
    public static let version = UInt8(ascii: "2")

    /// Why bytes are not a Lumberjack v2 frame.
    public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// What `decode` found at the start of a buffer.
    public enum Decoded: Sendable, Equatable {
        case frame(LumberjackFrame, consumed: Int)
        /// The frame is not complete yet: read more.
        case needMore
    }

    public static func encode(_ frame: LumberjackFrame, into bytes: inout [UInt8]) {
        bytes.append(version)
        switch frame {
        case .window(let count):
            bytes.append(UInt8(ascii: "W"))
            appendUInt32(count, &bytes)
        case .json(let sequence, let payload):
            bytes.append(UInt8(ascii: "J"))
            appendUInt32(sequence, &bytes)
            appendUInt32(UInt32(payload.count), &bytes)
            bytes.append(contentsOf: payload)
        case .compressed(let deflated):
            bytes.append(UInt8(ascii: "C"))
            appendUInt32(UInt32(deflated.count), &bytes)
            bytes.append(contentsOf: deflated)
        case .ack(let sequence):
            bytes.append(UInt8(ascii: "A"))
            appendUInt32(sequence, &bytes)
        }
    }

    /// Decodes the frame at the start of `bytes`. `maxPayload` bounds a declared length, so a corrupt length can't
    /// make a reader wait for gigabytes.
    public static func decode(_ bytes: ArraySlice<UInt8>, maxPayload: Int = 64 << 20) throws(ProtocolError) -> Decoded {
        guard bytes.count >= 2 else { return .needMore }
        let start = bytes.startIndex
        guard bytes[start] == version else {
            throw ProtocolError("unsupported protocol version byte \(bytes[start])")
        }
        func uint32(_ at: Int) -> UInt32 {
            let i = start + at
            return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        }
        switch bytes[start + 1] {
        case UInt8(ascii: "W"):
            guard bytes.count >= 6 else { return .needMore }
            return .frame(.window(uint32(2)), consumed: 6)
        case UInt8(ascii: "A"):
            guard bytes.count >= 6 else { return .needMore }
            return .frame(.ack(uint32(2)), consumed: 6)
        case UInt8(ascii: "J"):
            guard bytes.count >= 10 else { return .needMore }
            let length = Int(uint32(6))
            guard length <= maxPayload else { throw ProtocolError("JSON frame of \(length) bytes is over the limit") }
            guard bytes.count >= 10 + length else { return .needMore }
            return .frame(.json(sequence: uint32(2), payload: Array(bytes[(start + 10)..<(start + 10 + length)])),
                          consumed: 10 + length)
        case UInt8(ascii: "C"):
            guard bytes.count >= 6 else { return .needMore }
            let length = Int(uint32(2))
            guard length <= maxPayload else { throw ProtocolError("compressed frame of \(length) bytes is over the limit") }
            guard bytes.count >= 6 + length else { return .needMore }
            return .frame(.compressed(Array(bytes[(start + 6)..<(start + 6 + length)])), consumed: 6 + length)
        default:
            throw ProtocolError("unknown frame type \(bytes[start + 1])")
        }
    }

    /// Decodes every complete frame of `bytes`; throws if bytes are left over.
    public static func decodeAll(_ bytes: [UInt8]) throws(ProtocolError) -> [LumberjackFrame] {
        var frames: [LumberjackFrame] = []
        var offset = 0
        while offset < bytes.count {
            switch try decode(bytes[offset...]) {
            case .frame(let frame, let consumed):
                frames.append(frame)
                offset += consumed
            case .needMore:
                throw ProtocolError("truncated frame at byte \(offset)")
            }
        }
        return frames
    }

    /// A whole window as the client sends it: `W` with the count, then the events as `J` frames with sequences
    /// 1…n, inside one `C` frame when `compressionLevel` is 1…9 (0: no compression).
    public static func window(payloads: [[UInt8]], compressionLevel: Int32) throws(ProtocolError) -> [UInt8] {
        var frames: [UInt8] = []
        frames.reserveCapacity(payloads.reduce(0) { $0 + $1.count + 10 })
        for (index, payload) in payloads.enumerated() {
            encode(.json(sequence: UInt32(index + 1), payload: payload), into: &frames)
        }
        var bytes: [UInt8] = []
        encode(.window(UInt32(payloads.count)), into: &bytes)
        if compressionLevel > 0 {
            encode(.compressed(try deflate(frames, level: compressionLevel)), into: &bytes)
        } else {
            bytes += frames
        }
        return bytes
    }

    /// The frames inside a `C` frame.
    public static func inflate(_ deflated: [UInt8], limit: Int = 256 << 20) throws(ProtocolError) -> [LumberjackFrame] {
        try decodeAll(try inflateBytes(deflated, limit: limit))
    }

    // MARK: - zlib (RFC 1950 wrapper, as go-lumber's `compress/zlib` writes it)

    static func deflate(_ input: [UInt8], level: Int32) throws(ProtocolError) -> [UInt8] {
        do {
            return try Gzip.compress(input, level: min(max(level, 1), 9), wrapper: .zlib)
        } catch {
            throw ProtocolError("zlib deflate failed (\(error.code))")
        }
    }

    static func inflateBytes(_ input: [UInt8], limit: Int) throws(ProtocolError) -> [UInt8] {
        do {
            return try Gzip.decompress(input, limit: limit, wrapper: .zlib)
        } catch {
            throw ProtocolError("the compressed frame does not inflate (zlib \(error.code))")
        }
    }

    private static func appendUInt32(_ value: UInt32, _ bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
}
