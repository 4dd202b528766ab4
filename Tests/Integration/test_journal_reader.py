"""The hidden `noa-agent journal-reader` subcommand against a journal written by journal_gen.py: every entry, in
order, as length-prefixed frames on stdout (the format JournalFrame.swift documents)."""
import struct
import subprocess
import tempfile

from conftest import AGENT_BIN
from journal_gen import write_journal


def read_frames(data):
    """Decodes entry frames into (cursor, {name: [values]}); position frames are skipped."""
    entries, offset = [], 0
    while offset < len(data):
        (length,) = struct.unpack_from("<I", data, offset)
        body = data[offset + 4: offset + 4 + length]
        assert len(body) == length, "a frame is cut short"
        offset += 4 + length
        if body[0] != 1:
            continue
        pos = 1 + 8 + 8 + 16
        (cursor_length,) = struct.unpack_from("<I", body, pos)
        cursor = body[pos + 4: pos + 4 + cursor_length].decode()
        pos += 4 + cursor_length
        (count,) = struct.unpack_from("<I", body, pos)
        pos += 4
        fields = {}
        for _ in range(count):
            (n,) = struct.unpack_from("<I", body, pos)
            name = body[pos + 4: pos + 4 + n].decode()
            pos += 4 + n
            (n,) = struct.unpack_from("<I", body, pos)
            fields.setdefault(name, []).append(body[pos + 4: pos + 4 + n])
            pos += 4 + n
        assert pos == len(body)
        entries.append((cursor, fields))
    return entries


def test_journal_reader_streams_every_generated_entry():
    with tempfile.TemporaryDirectory(prefix="noa-it-journal-") as directory:
        write_journal(directory, 0, 3000, "archived.journal")
        write_journal(directory, 3000, 500, "current.journal", payload=10)
        result = subprocess.run(
            [AGENT_BIN, "journal-reader", "--directory", directory, "--start-at", "head", "--no-follow"],
            capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        entries = read_frames(result.stdout)
        assert [int(f["NOA_SEQ"][0]) for _, f in entries] == list(range(3500))
        assert len({cursor for cursor, _ in entries}) == 3500

        after = entries[2999][0]
        resumed = subprocess.run(
            [AGENT_BIN, "journal-reader", "--directory", directory, "--cursor", after, "--no-follow"],
            capture_output=True, timeout=60)
        assert [int(f["NOA_SEQ"][0]) for _, f in read_frames(resumed.stdout)] == list(range(3000, 3500))
