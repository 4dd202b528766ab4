#!/usr/bin/env python3
"""Writes journal files with numbered entries, for integration tests and benchmarks (stdlib only).

Every entry carries NOA_SEQ=<n> (its sequence number), a MESSAGE, a SYSLOG_IDENTIFIER, a PRIORITY and optional
padding; realtime and monotonic timestamps grow with n on one boot id, so journal order is NOA_SEQ order across
files. The entries are written in the Journal Export Format and piped into Debian's systemd-journal-remote
(package systemd-journal-remote), which turns them into a real journal file without a running journald.

    journal_gen.py DIR --count 100000 [--start 0] [--file remote.journal] [--payload 0]

As a module: write_journal(directory, start, count, file_name="remote.journal", payload=0, extra=None).
"""
import argparse
import os
import struct
import subprocess
import sys

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
BOOT_ID = "0123456789abcdef0123456789abcdef"
BASE_REALTIME_US = 1_700_000_000_000_000


def export_field(name, value):
    """One field in the export format: NAME=value, or NAME, 64-bit LE length and the bytes for binary values."""
    if isinstance(value, str):
        value = value.encode()
    if b"\n" in value or any(b < 0x20 and b != 0x09 for b in value):
        return name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
    return name.encode() + b"=" + value + b"\n"


def export_entries(start, count, payload=0, extra=None):
    """Yields the export format of entries start .. start+count-1, one bytes object per entry."""
    padding = "x" * payload
    for n in range(start, start + count):
        fields = [
            ("__REALTIME_TIMESTAMP", str(BASE_REALTIME_US + n * 1000)),
            ("__MONOTONIC_TIMESTAMP", str(1_000_000 + n * 1000)),
            ("_BOOT_ID", BOOT_ID),
            ("MESSAGE", f"noa journal test entry {n}{padding}"),
            ("NOA_SEQ", str(n)),
            ("SYSLOG_IDENTIFIER", "noa-journal-gen"),
            ("PRIORITY", "6"),
        ]
        fields += list((extra or {}).items())
        yield b"".join(export_field(k, v) for k, v in fields) + b"\n"


def write_journal(directory, start, count, file_name="remote.journal", payload=0, extra=None):
    """Writes (or appends to) DIRECTORY/FILE_NAME; returns its path. Fails loudly without journal-remote."""
    if not os.access(JOURNAL_REMOTE, os.X_OK):
        raise RuntimeError(f"{JOURNAL_REMOTE} is missing: apt-get install systemd-journal-remote (make test does)")
    if not file_name.endswith(".journal"):
        raise ValueError("systemd-journal-remote wants an output file name ending in .journal")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name)
    process = subprocess.Popen(
        [JOURNAL_REMOTE, f"--output={path}", "--split-mode=none", "-"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    batch = []
    for entry in export_entries(start, count, payload, extra):
        batch.append(entry)
        if len(batch) >= 1000:
            process.stdin.write(b"".join(batch))
            batch.clear()
    process.stdin.write(b"".join(batch))
    process.stdin.close()
    error = process.stderr.read()
    if process.wait() != 0:
        raise RuntimeError(f"systemd-journal-remote exited with {process.returncode}: {error.decode(errors='replace')}")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--file", default="remote.journal")
    parser.add_argument("--payload", type=int, default=0, help="extra MESSAGE bytes per entry")
    args = parser.parse_args()
    path = write_journal(args.directory, args.start, args.count, args.file, args.payload)
    print(path)


if __name__ == "__main__":
    sys.exit(main())
