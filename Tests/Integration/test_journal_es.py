"""Journal → Elasticsearch end to end: real journal files (systemd-journal-remote), the real agent binary, and the
Elasticsearch-like bulk receiver (es_double.py; no Elasticsearch is installable here). Every entry carries NOA_SEQ;
the tests check that every one arrives and none is stored twice, across kill -9, outages, per-item rejections,
rotation and vacuum while following, and a truncated journal file."""
import json
import os
import signal
import time
import urllib.request

import pytest

from conftest import free_port
from es_double import ESDouble
from journal_gen import write_journal


def es_get(es, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{es.port}{path}", timeout=10) as response:
        return json.loads(response.read())


def es_post(es, path, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{es.port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sequences(es):
    docs = es_get(es, "/_noa/docs")["docs"]
    seqs = [int(doc["_source"]["journald"]["custom"]["noa_seq"]) for doc in docs]
    ids = [doc["_id"] for doc in docs]
    assert len(ids) == len(set(ids)), "a document id stored twice"
    return seqs


def wait_for_count(es, expected, timeout=60, agent=None):
    deadline = time.time() + timeout
    seqs = []
    while time.time() < deadline:
        seqs = sequences(es)
        if len(seqs) >= expected:
            return seqs
        if agent is not None and agent.process.poll() is not None:
            raise AssertionError(f"the agent exited with {agent.process.returncode}:\n{agent.log()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"{len(seqs)} of {expected} documents after {timeout}s")


def config(journal_dir, es_port, data_dir, max_items=200, extra_sink="", start_at="head"):
    return f"""
data_dir: {data_dir}
sources:
  journal:
    type: journald
    directory: {journal_dir}
    start_at: {start_at}
    batch_size: 100
  self:
    type: host_metrics
    collectors: [loadavg]
sinks:
  es:
    type: elasticsearch
    inputs: [journal]
    endpoints: [http://127.0.0.1:{es_port}]
    data_stream: logs-noa.journal-test
    batch: {{max_items: {max_items}, max_delay: 100ms}}
    retry: {{initial_backoff: 50ms, max_backoff: 500ms}}
{extra_sink}
  prom:
    type: prometheus
    listen: 127.0.0.1:{free_port()}
    inputs: [self]
"""


@pytest.fixture
def es():
    with ESDouble() as double:
        yield double


@pytest.fixture
def dirs(tmp_path):
    journal = tmp_path / "journal"
    data = tmp_path / "data"
    journal.mkdir()
    data.mkdir()
    return str(journal), str(data)


def test_every_entry_arrives_once_across_repeated_kill_9(es, dirs, agent_factory):
    journal_dir, data_dir = dirs
    total = 6000
    write_journal(journal_dir, 0, total)
    text = config(journal_dir, es.port, data_dir, max_items=100)
    es_post(es, "/_noa/faults", {"delay": 0.02})  # slow enough that each run is cut mid-stream
    for round_ in range(3):
        agent = agent_factory(text).start()
        deadline = time.time() + 30
        before = len(sequences(es))
        while len(sequences(es)) < before + 300 and time.time() < deadline:
            assert agent.process.poll() is None, agent.log()[-3000:]
            time.sleep(0.05)
        agent.process.send_signal(signal.SIGKILL)
        agent.process.wait()
        assert len(sequences(es)) < total, f"round {round_}: the agent finished before it was killed"
    es_post(es, "/_noa/faults", {})
    agent = agent_factory(text).start()
    seqs = wait_for_count(es, total, agent=agent)
    assert sorted(seqs) == list(range(total))
    stats = es_get(es, "/_noa/stats")
    # Replays after a kill are answered 409 (already there): stored once, however often they were sent.
    assert stats["created"] == total, stats
    agent.stop()
    assert agent.process.returncode == 0, agent.log()[-2000:]


def test_an_outage_of_503_and_429_then_recovery_loses_nothing(es, dirs, agent_factory):
    journal_dir, data_dir = dirs
    write_journal(journal_dir, 0, 500)
    es_post(es, "/_noa/faults", {"status": 503, "seconds": 4, "retry_after": 1})
    agent = agent_factory(config(journal_dir, es.port, data_dir)).start()
    time.sleep(2)
    assert sequences(es) == [], "nothing can be stored while the server refuses"
    es_post(es, "/_noa/faults", {"status": 429, "seconds": 2})
    seqs = wait_for_count(es, 500, agent=agent)
    assert sorted(seqs) == list(range(500))
    assert es_get(es, "/_noa/stats")["refused_requests"] > 0


def test_rejected_items_are_dead_lettered_and_the_rest_delivered(es, dirs, agent_factory):
    journal_dir, data_dir = dirs
    write_journal(journal_dir, 0, 300)
    es_post(es, "/_noa/faults", {"reject_message_contains": "entry 17", "item_429_next": 20})
    agent = agent_factory(config(journal_dir, es.port, data_dir)).start()
    # 17 and 170..179 are refused for good; everything else arrives (per-item 429s are retried).
    refused = {17} | set(range(170, 180))
    seqs = wait_for_count(es, 300 - len(refused), agent=agent)
    assert sorted(seqs) == sorted(set(range(300)) - refused)
    dead = os.path.join(data_dir, "dead-letter", "es.ndjson")
    deadline = time.time() + 10
    while not os.path.exists(dead) and time.time() < deadline:
        time.sleep(0.1)
    with open(dead) as f:
        lines = [json.loads(line) for line in f]
    assert sorted(int(l["document"]["journald"]["custom"]["noa_seq"]) for l in lines) == sorted(refused)
    assert all("mapper_parsing_exception" in l["reason"] for l in lines)
    # The checkpoint moved past the rejected entries: a restart sends nothing again.
    agent.stop()
    before = es_get(es, "/_noa/stats")
    agent2 = agent_factory(config(journal_dir, es.port, data_dir)).start()
    time.sleep(2)
    after = es_get(es, "/_noa/stats")
    assert after.get("bulk_requests", 0) == before.get("bulk_requests", 0), (before, after)
    agent2.stop()


def test_rotation_and_vacuum_while_following(es, dirs, agent_factory):
    journal_dir, data_dir = dirs
    first = write_journal(journal_dir, 0, 400, file_name="a.journal")
    agent = agent_factory(config(journal_dir, es.port, data_dir)).start()
    wait_for_count(es, 400, agent=agent)
    write_journal(journal_dir, 400, 400, file_name="b.journal")   # a new file appears (rotation)
    wait_for_count(es, 800, agent=agent)
    os.unlink(first)                                               # the old file is vacuumed
    write_journal(journal_dir, 800, 400, file_name="c.journal")
    seqs = wait_for_count(es, 1200, agent=agent)
    assert sorted(seqs) == list(range(1200))
    # Restart after the vacuum: the checkpoint's file is gone, nothing is lost or repeated.
    agent.stop()
    write_journal(journal_dir, 1200, 100, file_name="d.journal")
    agent2 = agent_factory(config(journal_dir, es.port, data_dir)).start()
    seqs = wait_for_count(es, 1300, agent=agent2)
    assert sorted(seqs) == list(range(1300))


def test_a_truncated_journal_file_does_not_take_the_agent_down(es, dirs, agent_factory):
    journal_dir, data_dir = dirs
    broken = write_journal(journal_dir, 0, 2000, file_name="a.journal", payload=200)
    write_journal(journal_dir, 100000, 300, file_name="b.journal")
    size = os.path.getsize(broken)
    with open(broken, "r+b") as f:
        f.truncate(size // 2)
    agent = agent_factory(config(journal_dir, es.port, data_dir)).start()
    deadline = time.time() + 60
    while time.time() < deadline:
        seqs = set(sequences(es))
        if set(range(100000, 100300)) <= seqs:
            break
        assert agent.process.poll() is None, agent.log()[-3000:]
        time.sleep(0.2)
    seqs = sequences(es)
    assert set(range(100000, 100300)) <= set(seqs), "the intact file's entries all arrive"
    assert agent.process.poll() is None
