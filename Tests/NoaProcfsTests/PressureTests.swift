import NoaProcfs
import Testing

@Suite struct PressureTests {
    /// `/proc/pressure/io` captured from this VM.
    @Test func parsesSomeAndFull() throws {
        let stats = try PressureStats.parse("""
            some avg10=0.96 avg60=0.54 avg300=0.38 total=4477717
            full avg10=0.47 avg60=0.29 avg300=0.23 total=3527793

            """)
        #expect(stats.some == PressureLine(avg10: 0.96, avg60: 0.54, avg300: 0.38, totalMicroseconds: 4477717))
        #expect(stats.full?.totalMicroseconds == 3527793)
    }

    /// `/proc/pressure/irq` has only a full line; pre-5.13 `cpu` only a some line.
    @Test(arguments: [
        ("full avg10=0.00 avg60=0.00 avg300=0.00 total=12\n", false, true),
        ("some avg10=41.21 avg60=66.24 avg300=28.97 total=111749015\n", true, false),
    ])
    func parsesSingleLine(_ text: String, _ hasSome: Bool, _ hasFull: Bool) throws {
        let stats = try PressureStats.parse(text)
        #expect((stats.some != nil) == hasSome)
        #expect((stats.full != nil) == hasFull)
    }

    @Test(arguments: [
        "",
        "some avg10=0.00 avg60=0.00 avg300=0.00\n",
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=x\n",
        "some avg10=0.00 avg60=0.00 avg300=0.00 total\n",
        "half avg10=0.00 avg60=0.00 avg300=0.00 total=1\n",
        "some avg10=0.00 avg60=0.00 avg999=0.00 total=1\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try PressureStats.parse(text) }
    }
}
