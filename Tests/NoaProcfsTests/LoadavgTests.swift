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

@Suite struct ProcessStatTests {
    @Test func parsesCommWithSpacesAndParens() throws {
        let line = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 500 0 7 0 150 25 0 0 20 0 9 0 4200 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let stat = try ProcessStat.parse(line)
        #expect(stat.pid == 1234)
        #expect(stat.comm == "my (odd) name")
        #expect(stat.state == "S")
        #expect(stat.minorFaults == 500)
        #expect(stat.majorFaults == 7)
        #expect(stat.utimeTicks == 150)
        #expect(stat.stimeTicks == 25)
        #expect(stat.numThreads == 9)
        #expect(stat.startTimeTicks == 4200)
        #expect(stat.virtualMemoryBytes == 123456789)
        #expect(stat.rssPages == 2048)
    }

    @Test(arguments: ["", "12 (x) S 1 2", "x (y) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1"])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try ProcessStat.parse(text) }
    }

    @Test func maxOpenFiles() throws {
        let text = """
            Limit                     Soft Limit           Hard Limit           Units
            Max processes             94858                94858                processes
            Max open files            1024                 524288               files
            """
        #expect(try ProcessLimits.parseMaxOpenFiles(text) == 1024)
        #expect(try ProcessLimits.parseMaxOpenFiles("Max open files            unlimited            unlimited            files") == nil)
        #expect(throws: ParseError.self) { try ProcessLimits.parseMaxOpenFiles("nothing") }
    }
}
