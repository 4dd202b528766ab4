import CDeflate
import CZlib
import Synchronization

/// gzip compression of response bodies (zlib's deflate with the gzip wrapper, RFC 1952).
public enum Gzip {
    public struct Failure: Error, CustomStringConvertible {
        public let code: Int32
        public var description: String { "zlib error \(code)" }
    }

    /// The wrapper around the deflate stream: gzip (RFC 1952, HTTP bodies) or zlib (RFC 1950, the Beats
    /// protocol's compressed frames).
    public enum Wrapper: Sendable {
        case gzip, zlib

        /// zlib's windowBits: 15 is a 32 KiB window; + 16 selects the gzip wrapper.
        var windowBits: Int32 { self == .gzip ? 15 + 16 : 15 }
    }

    /// Compresses `input` with zlib (streaming-capable, used where libdeflate is not).
    public static func compress(_ input: [UInt8], level: Int32 = 1, wrapper: Wrapper = .gzip) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        var rc = deflateInit2_(
            &stream, level, Z_DEFLATED, wrapper.windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw Failure(code: rc) }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound + 32)
        // zlib reads `next_in` and never writes it (its `z_const`); through withUnsafeMutableBufferPointer a copy of
        // the input, which the caller still holds, was made first.
        rc = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard rc == Z_STREAM_END else { throw Failure(code: rc) }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// Decompresses a gzip member (request and response bodies) or a zlib stream, up to `limit` bytes of output
    /// (past it: `Failure` with zlib's Z_BUF_ERROR, -5).
    public static func decompress(_ input: [UInt8], limit: Int = 64 << 20, wrapper: Wrapper = .gzip) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        var rc = inflateInit2_(&stream, wrapper.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw Failure(code: rc) }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        // As in `compress`: zlib only reads `next_in`.
        let result: Int32 = input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            while true {
                let code: Int32 = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { return Z_BUF_ERROR }
                if code == Z_STREAM_END { return Z_STREAM_END }
                if code != Z_OK { return code }
                if stream.avail_in == 0 && produced == 0 { return Z_DATA_ERROR }
            }
        }
        rc = result
        guard rc == Z_STREAM_END else { throw Failure(code: rc) }
        return output
    }
}

/// One-shot gzip with libdeflate, for whole response bodies (a scrape is encoded whole before it is sent).
///
/// libdeflate at level 1 compresses exposition text about twice as fast as zlib at level 1 for the same ratio.
/// A compressor allocates its tables once; compressors are reused across calls from a small pool so concurrent
/// scrapes don't share one.
public final class GzipCompressor: Sendable {
    public let level: Int32
    private let pool = Mutex<[Handle]>([])

    /// A libdeflate compressor. It is used by one caller at a time: whoever popped it from the pool owns it until
    /// it is pushed back, which is what makes sending it between threads safe.
    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    public init(level: Int32 = 1) {
        self.level = level
    }

    deinit {
        pool.withLock { compressors in
            for compressor in compressors { libdeflate_free_compressor(compressor.pointer) }
            compressors.removeAll()
        }
    }

    public func compress(_ input: [UInt8]) throws(Gzip.Failure) -> [UInt8] {
        let reused = pool.withLock { $0.popLast() }?.pointer
        guard let compressor = reused ?? libdeflate_alloc_compressor(level) else { throw Gzip.Failure(code: -1) }
        defer {
            let handle = Handle(pointer: compressor)
            let kept = pool.withLock { compressors -> Bool in
                guard compressors.count < 4 else { return false }
                compressors.append(handle)
                return true
            }
            if !kept { libdeflate_free_compressor(compressor) }
        }
        let bound = libdeflate_gzip_compress_bound(compressor, input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { inBuf in
            output.withUnsafeMutableBytes { outBuf in
                libdeflate_gzip_compress(compressor, inBuf.baseAddress, inBuf.count, outBuf.baseAddress, outBuf.count)
            }
        }
        guard written > 0 else { throw Gzip.Failure(code: -2) }
        output.removeSubrange(written...)
        return output
    }
}
