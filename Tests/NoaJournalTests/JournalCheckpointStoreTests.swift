import Testing
@testable import NoaJournal

#if canImport(Glibc)
import Glibc
#endif

struct JournalCheckpointStoreTests {
    static let cursor = "s=a85c4fabc3314e1e83e960914ae8c228;i=1;b=0123456789abcdef0123456789abcdef;m=f4240;t=60a24181e4000;x=9"

    @Test func savesAndLoadsUnderDataDirJournald() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let store = JournalCheckpointStore(dataDirectory: dir + "/data", componentID: "journal")
        #expect(store.path == dir + "/data/journald/journal.cursor")
        #expect(try store.load() == .missing)
        try store.save(Self.cursor)
        #expect(try store.load() == .cursor(Self.cursor))
        try store.save("s=1;i=2")
        #expect(try store.load() == .cursor("s=1;i=2"))
        #expect(access(store.path + ".tmp", F_OK) != 0, "no temporary file is left behind")
        var info = stat()
        #expect(stat(store.directory, &info) == 0 && info.st_mode & 0o777 == 0o750)
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("s=1;i=2", "the file does not end with a newline"),
        ("\n", "the cursor is empty or has bytes other than printable ASCII"),
        ("s=1;\u{1}=2\n", "the cursor is empty or has bytes other than printable ASCII"),
        ("garbage\n", "'garbage' is not a journal cursor"),
    ])
    func reportsACorruptFile(_ content: String, _ reason: String) {
        #expect(JournalCheckpointStore.parse(Array(content.utf8)) == .corrupt(reason))
    }

    @Test func aCorruptFileOnDiskIsReportedNotThrown() throws {
        let dir = try JournalFixture.makeDirectory()
        defer { JournalFixture.removeDirectory(dir) }
        let store = JournalCheckpointStore(dataDirectory: dir, componentID: "j")
        try JournalCheckpointStore.makeDirectories(store.directory)
        let fd = open(store.path, O_WRONLY | O_CREAT, 0o600)
        _ = write(fd, "s=1;i=", 6)
        close(fd)
        #expect(try store.load() == .corrupt("the file does not end with a newline"))
    }

    @Test func refusesCursorsThatAreNotOneLine() throws {
        let store = JournalCheckpointStore(dataDirectory: "/nonexistent", componentID: "j")
        #expect(throws: JournalCheckpointError.invalidCursor("a\nb")) { try store.save("a\nb") }
        #expect(throws: JournalCheckpointError.invalidCursor("")) { try store.save("") }
    }

    @Test(arguments: [("journal", "journal"), ("my.source-1", "my.source-1"), ("../x", "%2E.%2Fx"), ("a/b c", "a%2Fb%20c"), ("", "%")])
    func componentIDsNameOneFileInTheDirectory(_ id: String, _ name: String) {
        #expect(JournalCheckpointStore.fileName(id) == name)
    }
}
