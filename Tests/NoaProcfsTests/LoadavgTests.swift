import NoaProcfs
import Testing

@Suite struct LoadavgTests {
    @Test func parsesKernelLine() throws {
        let load = try Loadavg.parse("0.24 0.31 0.40 1/123 4567\n")
        #expect(load == Loadavg(load1: 0.24, load5: 0.31, load15: 0.40))
    }

    @Test(arguments: ["", "0.1 0.2\n", "a b c 1/2 3\n"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try Loadavg.parse(text) }
    }

    @Test func fieldsSplitOnAnyWhitespace() {
        #expect("  a\tb  c\n".procFields() == ["a", "b", "c"])
        #expect("".procFields() == [])
    }
}
