"""The journal_remote sink against Debian's real systemd-journal-remote: journal entries and JSON log lines pushed
over HTTP arrive in the remote journal, as `journalctl --file` reads them, under their own field names; an
outage of the receiver loses nothing."""
import json
import os
import subprocess
import time

from conftest import free_port
from journal_gen import JOURNAL_REMOTE, write_journal
from test_logs import post, wait_listening


class JournalRemote:
    """systemd-journal-remote receiving uploads on a loopback port into one journal file."""

    def __init__(self, directory, port):
        self.path = os.path.join(directory, "central.journal")
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [JOURNAL_REMOTE, f"--listen-http=127.0.0.1:{self.port}", "--split-mode=none", f"--output={self.path}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def entries(self):
        if not os.path.exists(self.path):
            return []
        out = subprocess.run(
            ["journalctl", f"--file={self.path}", "-o", "json", "--no-pager"], capture_output=True, text=True)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def wait_entries(remote, count, agent, timeout=30):
    deadline = time.time() + timeout
    entries = []
    while time.time() < deadline:
        entries = remote.entries()
        if len(entries) >= count:
            return entries
        assert agent.process.poll() is None, agent.log()[-3000:]
        time.sleep(0.2)
    raise AssertionError(f"{len(entries)} of {count} entries in the remote journal; agent log:\n{agent.log()[-2000:]}")


def test_the_journal_and_pushed_lines_reach_a_remote_journal_after_its_outage(tmp_path, agent_factory):
    journal = tmp_path / "journal"
    write_journal(str(journal), 0, 300, extra={"_SYSTEMD_UNIT": "shop.service"})
    remote_port, http_port = free_port(), free_port()
    remote = JournalRemote(str(tmp_path), remote_port)
    # The receiver is down when the agent starts: the sink retries, the journal source waits on it.
    agent = agent_factory(f"""
data_dir: {tmp_path}/data
sources:
  journal: {{type: journald, directory: {journal}, start_at: head, batch_size: 50}}
  applogs: {{type: http_logs, listen: "127.0.0.1:{http_port}"}}
sinks:
  central:
    type: journal_remote
    inputs: [journal, applogs]
    endpoint: http://127.0.0.1:{remote_port}
""").start()
    try:
        wait_listening(http_port, agent)
        line = {"level": "error", "msg": "payment failed", "service": "shop", "order_id": 17}
        status, answer = post(f"http://127.0.0.1:{http_port}/v1/logs/json", json.dumps(line).encode() + b"\n")
        assert (status, answer["accepted"]) == (200, 1), answer
        time.sleep(1.5)
        assert remote.entries() == []
        remote.start()
        entries = wait_entries(remote, 301, agent)
        time.sleep(1)
        entries = remote.entries()
    finally:
        remote.stop()

    from_journal = [e for e in entries if "NOA_SEQ" in e]
    seqs = sorted(int(e["NOA_SEQ"]) for e in from_journal)
    assert seqs == list(range(300)), f"{len(seqs)} journal entries, {len(set(seqs))} distinct"
    first = next(e for e in from_journal if e["NOA_SEQ"] == "0")
    # Under their own names, with their own time.
    assert first["MESSAGE"] == "noa journal test entry 0"
    assert first["_SYSTEMD_UNIT"] == "shop.service"
    assert first["SYSLOG_IDENTIFIER"] == "noa-journal-gen"
    assert first["PRIORITY"] == "6"
    assert first["__REALTIME_TIMESTAMP"] == "1700000000000000"

    pushed = [e for e in entries if e.get("MESSAGE") == "payment failed"]
    assert len(pushed) == 1, [e.get("MESSAGE") for e in entries if "NOA_SEQ" not in e]
    assert pushed[0]["PRIORITY"] == "3", pushed[0]
    # `journalctl -t shop` finds it: the service name is its identifier.
    assert pushed[0]["SYSLOG_IDENTIFIER"] == "shop", pushed[0]
