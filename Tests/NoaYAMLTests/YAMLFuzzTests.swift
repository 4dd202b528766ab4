import NoaYAML
import Testing

/// Mutated documents must compose or throw: never crash, never hang.
@Suite struct YAMLFuzzTests {
    /// SplitMix64: deterministic, so a failure reproduces from its seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds = [
        """
        data_dir: /var/lib/noa-agent
        sources:
          host:
            type: host_metrics
            collectors: [cpu, "meminfo", 'loadavg']
        sinks:
          prom: {type: prometheus, listen: "0.0.0.0:9464", inputs: [host]}
        """,
        "- a: 1\n  b: |\n    text\n    more\n- [x, {y: z}]\n- >-\n  folded\n  line\n",
        "---\nkey:\n- \"esc \\t \\u00e9\"\n- 'it''s'\n# c\n...\n",
        "a:\n  b:\n    c: [1, 2,\n      3]\n  d: plain\n    continued\n",
    ]

    static let alphabet: [Unicode.Scalar] = [
        ":", "-", " ", " ", "\n", "\t", "#", "[", "]", "{", "}", ",", "'", "\"", "|", ">", "\\", "?", "&", "*", "!",
        "a", "1", "\r", ".", "%", "@", "é",
    ]

    @Test(arguments: 0..<seeds.count)
    func mutatedDocumentsComposeOrThrow(seedIndex: Int) {
        var rng = SplitMix64(state: UInt64(seedIndex) &* 7919 &+ 1)
        let original = Array(Self.seeds[seedIndex].unicodeScalars)
        var composed = 0
        var thrown = 0
        for _ in 0..<1500 {
            var text = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0...text.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where i < text.count: text.remove(at: i)
                case 1: text.insert(Self.alphabet.randomElement(using: &rng) ?? " ", at: i)
                case 2 where i < text.count: text[i] = Self.alphabet.randomElement(using: &rng) ?? " "
                default:
                    let j = Int.random(in: 0...text.count, using: &rng)
                    text.insert(contentsOf: text[min(i, j)..<max(i, j)].prefix(20), at: i)
                }
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: text)
            do {
                _ = try YAML.compose(String(s))
                composed += 1
            } catch {
                thrown += 1
            }
        }
        // Both outcomes occur, so the mutations neither all break the documents nor all miss.
        #expect(composed > 0 && thrown > 0, "composed \(composed), threw \(thrown)")
        for cut in 0...original.count {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: original[..<cut])
            _ = try? YAML.compose(String(s))
        }
    }
}
