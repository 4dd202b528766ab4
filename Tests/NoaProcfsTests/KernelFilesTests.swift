import NoaProcfs
import Testing

@Suite struct KernelFilesTests {
    /// `/proc/sys/fs/file-nr` captured from this VM (tab-separated).
    @Test func parsesFileNr() throws {
        #expect(try FileNr.parse("919\t0\t2466170\n") == FileNr(allocated: 919, maximum: 2466170))
    }

    @Test(arguments: ["", "919\t0\n", "a\t0\t1\n", "1\t0\tx\n", "1 0 2 3\n"])
    func rejectsMalformedFileNr(_ text: String) {
        #expect(throws: ParseError.self) { try FileNr.parse(text) }
    }

    /// `entropy_avail` and `poolsize` captured from this VM (Linux 5.18+ always reports 256).
    @Test func parsesEntropy() throws {
        #expect(try Entropy.parse(available: "256\n", poolSize: "256\n") == Entropy(availableBits: 256, poolSizeBits: 256))
    }

    @Test(arguments: [("", "256\n"), ("256\n", "x\n"), ("1 2\n", "256\n"), ("-1\n", "256\n")])
    func rejectsMalformedEntropy(_ available: String, _ poolSize: String) {
        #expect(throws: ParseError.self) { try Entropy.parse(available: available, poolSize: poolSize) }
    }

    /// `/proc/sys/kernel/version` captured from this VM; `domainname` "(none)" is a value like any other.
    @Test(arguments: [("#1 SMP PREEMPT_DYNAMIC @0\n", "#1 SMP PREEMPT_DYNAMIC @0"), ("(none)\n", "(none)"), ("vm", "vm")])
    func parsesKernelValue(_ text: String, _ expected: String) throws {
        #expect(try KernelIdentity.parseValue(text, file: "f") == expected)
    }

    @Test(arguments: ["", "\n", "a\nb\n"])
    func rejectsMalformedKernelValue(_ text: String) {
        #expect(throws: ParseError.self) { try KernelIdentity.parseValue(text, file: "f") }
    }

    /// `clocksource0` captured from this VM (note the trailing blank the kernel prints).
    @Test func parsesClockSource() throws {
        let source = try ClockSource.parse(name: "clocksource0", available: "tsc kvm-clock \n", current: "tsc\n")
        #expect(source == ClockSource(name: "clocksource0", available: ["tsc", "kvm-clock"], current: "tsc"))
    }

    @Test(arguments: ["", "\n", "tsc hpet\n"])
    func rejectsMalformedCurrentClockSource(_ current: String) {
        #expect(throws: ParseError.self) { try ClockSource.parse(name: "c", available: "tsc\n", current: current) }
    }
}
