/// Deterministic pseudo-random bytes for the bounds tests (a 64-bit LCG, so a failure repeats).
struct TestBytes {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }

    /// Up to 63 bytes, each `pick`ed from a random number.
    mutating func bytes(_ pick: (UInt64) -> UInt8) -> [UInt8] {
        (0..<Int(next() >> 58)).map { _ in pick(next() >> 33) }
    }
}
