import NoaProcfs
import Testing

/// `/etc/os-release` captured from this Debian 12 VM.
let capturedOSRelease = """
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"

"""

@Suite struct OSReleaseTests {
    @Test func parsesCapturedFile() throws {
        let os = try OSRelease.parse(capturedOSRelease)
        #expect(os["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)")
        #expect(os["VERSION_CODENAME"] == "bookworm")
        #expect(os["ID"] == "debian")
        #expect(os["ID_LIKE"] == "")
        #expect(os.fields.count == 9)
    }

    @Test(arguments: [
        ("A=plain", "plain"),
        ("A='single $quoted \\n'", "single $quoted \\n"),
        ("A=\"double \\\"esc\\\" \\$x \\\\ \\`\"", "double \"esc\" $x \\ `"),
        ("A=\"keep \\n backslash\"", "keep \\n backslash"),
        ("A=con'cat'\"enated\"", "concatenated"),
        ("A=esc\\ aped", "esc aped"),
        ("A=", ""),
        ("A=\"\"", ""),
        ("  A=\"trimmed\"  \r", "trimmed"),
        ("export A=exported", "exported"),
        ("A=value # comment", "value"),
    ])
    func unquotesShellValues(_ line: String, _ expected: String) throws {
        #expect(try OSRelease.parse("# comment\n\n" + line + "\n")["A"] == expected)
    }

    @Test(arguments: [
        "NOEQUALS\n",
        "A=\"unterminated\n",
        "A='unterminated\n",
        "A=two words\n",
        "1A=x\n",
        "A-B=x\n",
        "A=trailing\\\n",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: ParseError.self) { try OSRelease.parse(text) }
    }
}
