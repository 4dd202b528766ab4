/// Times the file sink tests start from.

/// 2026-11-27T16:40:49.123Z in nanoseconds.
let november27: Int64 = 1_795_797_649_123_000_000
let oneDay: Int64 = 86_400 * 1_000_000_000
