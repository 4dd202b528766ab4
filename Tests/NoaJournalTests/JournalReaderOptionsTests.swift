import Testing
@testable import NoaJournal

struct JournalReaderOptionsTests {
    @Test(arguments: [
        JournalReaderOptions(),
        JournalReaderOptions(directory: "/var/log/journal", start: .head, follow: false, parentPID: 42),
        JournalReaderOptions(
            start: .after(cursor: "s=1;i=2;b=3"),
            filter: JournalFilter(units: ["a.service", "b.service"], identifiers: ["x"], maximumPriority: 4,
                                  matches: [JournalMatch(field: "FOO", value: "bar=baz")])),
    ])
    func argumentsParseBack(_ options: JournalReaderOptions) throws {
        #expect(try JournalReaderOptions.parse(options.arguments).get() == options)
    }

    @Test(arguments: [
        (["--start-at", "middle"], "--start-at is head or tail, not 'middle'"),
        (["--priority", "9"], "--priority is 0 (emerg) to 7 (debug), not '9'"),
        (["--match", "foo=bar"], "--match wants FIELD=VALUE with a journal field name (A-Z, 0-9, _), not 'foo=bar'"),
        (["--cursor", "s=1", "--start-at", "head"], "--cursor and --start-at exclude each other"),
        (["--directory"], "missing value for '--directory'"),
        (["--what", "x"], "unknown option '--what'"),
        (["stray"], "unexpected argument 'stray'"),
    ])
    func refusesBadArguments(_ arguments: [String], _ message: String) {
        #expect(JournalReaderOptions.parse(arguments) == .failure(JournalReaderOptions.UsageError(message: message)))
    }

    @Test func acceptsEqualsForm() throws {
        let options = try JournalReaderOptions.parse(["--start-at=head", "--unit=a.service"]).get()
        #expect(options.start == .head && options.filter.units == ["a.service"])
    }
}
