/// How an Elasticsearch sink authenticates: an API key (`Authorization: ApiKey …`), a user and password (basic),
/// or a bearer token (a service account token or an OAuth2 access token).
public enum ElasticsearchAuth: Sendable, Equatable {
    /// The key as Kibana shows it ("encoded", base64 of `id:api_key`), or `id:api_key` itself, encoded here.
    case apiKey(String)
    case basic(user: String, password: String)
    case bearer(String)

    /// The `Authorization` header's value.
    public var headerValue: String {
        switch self {
        case .apiKey(let key):
            // Kibana's "encoded" form has no ':'; the `id:api_key` pair from the create-API-key response has one.
            return "ApiKey " + (key.contains(":") ? Base64.encode(Array(key.utf8)) : key)
        case .basic(let user, let password):
            return "Basic " + Base64.encode(Array((user + ":" + password).utf8))
        case .bearer(let token):
            return "Bearer " + token
        }
    }
}

/// Standard base64 with padding (RFC 4648 §4), for the `Authorization` header.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)],
                    alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let value = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            out += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)]]
            out += rest == 2 ? [alphabet[Int(value >> 6 & 63)], UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
