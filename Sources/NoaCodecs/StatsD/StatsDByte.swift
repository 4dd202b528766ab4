/// The ASCII bytes the StatsD scanner looks for, named so the scanning code reads as the grammar does.
enum StatsDByte {
    static let newline: UInt8 = 0x0A  // \n
    static let carriageReturn: UInt8 = 0x0D  // \r
    static let backslash: UInt8 = 0x5C  // \
    static let colon: UInt8 = 0x3A  // :
    static let pipe: UInt8 = 0x7C  // |
    static let comma: UInt8 = 0x2C  // ,
    static let equals: UInt8 = 0x3D  // =
    static let hash: UInt8 = 0x23  // #
    static let at: UInt8 = 0x40  // @
    static let plus: UInt8 = 0x2B  // +
    static let minus: UInt8 = 0x2D  // -
    static let dot: UInt8 = 0x2E  // .
    static let underscore: UInt8 = 0x5F  // _
    static let openBrace: UInt8 = 0x7B  // {
    static let closeBrace: UInt8 = 0x7D  // }
    static let openBracket: UInt8 = 0x5B  // [
    static let closeBracket: UInt8 = 0x5D  // ]
    static let zero: UInt8 = 0x30  // 0
    static let c: UInt8 = 0x63
    static let d: UInt8 = 0x64
    static let e: UInt8 = 0x65
    static let g: UInt8 = 0x67
    static let h: UInt8 = 0x68
    static let k: UInt8 = 0x6B
    static let m: UInt8 = 0x6D
    static let n: UInt8 = 0x6E
    static let p: UInt8 = 0x70
    static let s: UInt8 = 0x73
    static let t: UInt8 = 0x74
    static let upperE: UInt8 = 0x45
    static let upperT: UInt8 = 0x54
}
