import NoaCore

/// A strict RFC 8259 parser into `JSONValue`. Nesting is limited (`maxDepth`) so a hostile body of ten thousand
/// `[` can't overflow the stack of the thread serving it.
public struct JSONParser {
    public static let defaultMaxDepth = 128

    /// Parses one complete document; trailing non-space bytes are an error.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        try ByteReader.read(bytes) { (input: inout ByteReader) throws(JSONError) in
            var parser = Parser(maxDepth: maxDepth)
            return try parser.document(&input)
        }
    }

    /// Parses bytes from any contiguous storage (a slice of a request body, one NDJSON line).
    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        try ByteReader.read(UnsafeRawBufferPointer(buffer)) { (input: inout ByteReader) throws(JSONError) in
            var parser = Parser(maxDepth: maxDepth)
            return try parser.document(&input)
        }
    }
}

extension JSONValue {
    /// Parses one JSON document.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try JSONParser.parse(bytes)
    }

    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }
}

/// The parser's state; the bytes are read through the `ByteReader` each step is given, and an error's offset is
/// the reader's position.
private struct Parser {
    let maxDepth: Int
    var depth = 0

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    mutating func document(_ input: inout ByteReader) throws(JSONError) -> JSONValue {
        skipSpace(&input)
        let value = try parseValue(&input)
        skipSpace(&input)
        guard input.isAtEnd else { throw fail(input, "unexpected data after the document") }
        return value
    }

    func fail(_ input: borrowing ByteReader, _ reason: String) -> JSONError { JSONError(offset: input.position, reason: reason) }

    func skipSpace(_ input: inout ByteReader) {
        _ = input.skip { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    mutating func parseValue(_ input: inout ByteReader) throws(JSONError) -> JSONValue {
        guard let next = input.peek() else { throw fail(input, "unexpected end of input") }
        switch next {
        case UInt8(ascii: "{"): return try parseObject(&input)
        case UInt8(ascii: "["): return try parseArray(&input)
        case UInt8(ascii: "\""): return .string(try parseString(&input))
        case UInt8(ascii: "t"): try literal("true", &input); return .bool(true)
        case UInt8(ascii: "f"): try literal("false", &input); return .bool(false)
        case UInt8(ascii: "n"): try literal("null", &input); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber(&input)
        default: throw fail(input, "unexpected character")
        }
    }

    func literal(_ word: StaticString, _ input: inout ByteReader) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        guard count <= input.remaining else { throw fail(input, "unexpected end of input") }
        let same = word.withUTF8Buffer { word in word.indices.allSatisfy { input.peek(ahead: $0) == word[$0] } }
        guard same else { throw fail(input, "invalid literal") }
        input.skip(known: count)
    }

    mutating func enter(_ input: borrowing ByteReader) throws(JSONError) {
        depth += 1
        guard depth <= maxDepth else { throw fail(input, "nesting deeper than \(maxDepth)") }
    }

    mutating func parseObject(_ input: inout ByteReader) throws(JSONError) -> JSONValue {
        try enter(input)
        input.skip(known: 1)
        var members: [(key: String, value: JSONValue)] = []
        skipSpace(&input)
        if input.skip(ifNext: UInt8(ascii: "}")) {
            depth -= 1
            return .object(members)
        }
        while true {
            skipSpace(&input)
            guard input.peek() == UInt8(ascii: "\"") else { throw fail(input, "expected a member name") }
            let key = try parseString(&input)
            skipSpace(&input)
            guard input.skip(ifNext: UInt8(ascii: ":")) else { throw fail(input, "expected ':'") }
            skipSpace(&input)
            members.append((key, try parseValue(&input)))
            skipSpace(&input)
            guard !input.isAtEnd else { throw fail(input, "unexpected end of input") }
            if input.skip(ifNext: UInt8(ascii: ",")) { continue }
            guard input.skip(ifNext: UInt8(ascii: "}")) else { throw fail(input, "expected ',' or '}'") }
            depth -= 1
            return .object(members)
        }
    }

    mutating func parseArray(_ input: inout ByteReader) throws(JSONError) -> JSONValue {
        try enter(input)
        input.skip(known: 1)
        var elements: [JSONValue] = []
        skipSpace(&input)
        if input.skip(ifNext: UInt8(ascii: "]")) {
            depth -= 1
            return .array(elements)
        }
        while true {
            skipSpace(&input)
            elements.append(try parseValue(&input))
            skipSpace(&input)
            guard !input.isAtEnd else { throw fail(input, "unexpected end of input") }
            if input.skip(ifNext: UInt8(ascii: ",")) { continue }
            guard input.skip(ifNext: UInt8(ascii: "]")) else { throw fail(input, "expected ',' or ']'") }
            depth -= 1
            return .array(elements)
        }
    }

    func parseNumber(_ input: inout ByteReader) throws(JSONError) -> JSONValue {
        let start = input.position
        var integral = true
        input.skip(ifNext: UInt8(ascii: "-"))
        switch input.peek() {
        case nil: throw fail(input, "unexpected end of input")
        case UInt8(ascii: "0"): input.skip(known: 1)
        case let byte? where isDigit(byte): _ = input.skip(whileByte: isDigit)
        default: throw fail(input, "expected a digit")
        }
        if input.skip(ifNext: UInt8(ascii: ".")) {
            integral = false
            guard input.skip(whileByte: isDigit) > 0 else { throw fail(input, "expected a digit after '.'") }
        }
        if input.skip(ifNext: UInt8(ascii: "e")) || input.skip(ifNext: UInt8(ascii: "E")) {
            integral = false
            if !input.skip(ifNext: UInt8(ascii: "+")) { input.skip(ifNext: UInt8(ascii: "-")) }
            guard input.skip(whileByte: isDigit) > 0 else { throw fail(input, "expected an exponent") }
        }
        // Only ASCII digits, signs, '.' and exponents were consumed: always text.
        let text = input.string(start..<input.position) ?? ""
        if integral, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw JSONError(offset: start, reason: "invalid number") }
        return .double(value)
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    func parseString(_ input: inout ByteReader) throws(JSONError) -> String {
        input.skip(known: 1)  // opening quote
        let start = input.position
        // Fast path: no escapes.
        _ = input.skip { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 >= 0x20 }
        if input.peek() == UInt8(ascii: "\"") {
            let text = input.string(start..<input.position)
            input.skip(known: 1)
            guard let text else { throw JSONError(offset: start, reason: "string is not valid UTF-8") }
            return text
        }
        if let byte = input.peek(), byte < 0x20 { throw fail(input, "control character in string") }
        var scalars: [UInt8] = input.bytes(start..<input.position)
        while let byte = input.peek() {
            switch byte {
            case UInt8(ascii: "\""):
                input.skip(known: 1)
                guard let text = UTF8Text.string(scalars) else {
                    throw JSONError(offset: start, reason: "string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                input.skip(known: 1)
                guard let escape = input.peek() else { throw fail(input, "unexpected end of input") }
                input.skip(known: 1)
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4(&input)
                    if (0xD800...0xDBFF).contains(code) {
                        // A high surrogate must be followed by an escaped low surrogate; alone it is U+FFFD.
                        if input.peek() == UInt8(ascii: "\\"), input.peek(ahead: 1) == UInt8(ascii: "u") {
                            let save = input.position
                            input.skip(known: 2)
                            let low = try hex4(&input)
                            if (0xDC00...0xDFFF).contains(low) {
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                input.seek(to: save)
                                code = 0xFFFD
                            }
                        } else {
                            code = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(code) {
                        code = 0xFFFD
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    scalars.append(contentsOf: UTF8.encode(scalar)!)
                default:
                    throw fail(input, "invalid escape")
                }
            default:
                if byte < 0x20 { throw fail(input, "control character in string") }
                scalars.append(byte)
                input.skip(known: 1)
            }
        }
        throw fail(input, "unterminated string")
    }

    func hex4(_ input: inout ByteReader) throws(JSONError) -> UInt32 {
        guard input.remaining >= 4 else { throw fail(input, "unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = input.peek() ?? 0
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail(input, "invalid \\u escape")
            }
            value = value << 4 | digit
            input.skip(known: 1)
        }
        return value
    }
}
