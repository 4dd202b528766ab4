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
from prometheus_client.parser import text_string_to_metric_families

from conftest import free_port, http_get, wait_for_http
from es_double import ESDouble
from journal_gen import BASE_REALTIME_US, write_journal


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


def config(journal_dir, es_port, data_dir, max_items=200, extra_sink="", start_at="head", prom_port=None):
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
    listen: 127.0.0.1:{prom_port or free_port()}
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


def checkpointed_seq(data_dir, source="journal"):
    """NOA_SEQ of the entry the source's checkpoint names, or None when there is no checkpoint file. journal_gen gives
    entry n the realtime BASE_REALTIME_US + n ms, and a cursor carries its entry's realtime as `t=<hex>`."""
    path = os.path.join(data_dir, "journald", f"{source}.cursor")
    try:
        with open(path) as f:
            cursor = f.read().strip()
    except FileNotFoundError:
        return None
    fields = dict(part.split("=", 1) for part in cursor.split(";"))
    return (int(fields["t"], 16) - BASE_REALTIME_US) // 1000


def settled_stats(es, timeout=10):
    """The double's counters once nothing a (killed) client sent is still being read or handled."""
    deadline = time.time() + timeout
    while True:
        stats = es_get(es, "/_noa/stats")
        if stats["bulk_active"] == 0 and stats["bulk_connections"] == 0:
            return stats
        assert time.time() < deadline, f"the double is still handling requests: {stats}"
        time.sleep(0.05)


# The kill -9 test's pace: the double answers each bulk request after DELAY seconds, and an Elasticsearch sink sends
# one request at a time (one SinkRunner per sink), each of at most max_items = 100 entries. So at most
# 1/DELAY batches a second reach the double.
DELAY = 0.1
BATCH = 100
# What a kill can make the agent send again: entries the double stored whose batch the saved checkpoint does not
# cover. Those are (a) batches acknowledged since the last save: the checkpoint is written once a second
# (JournaldSource.flushPeriodically), so with the save's own time and a late timer, batches acknowledged within
# 1.5 s: 1.5 / DELAY = 15; and (b) the batch in the request the double was answering when the agent died (stored,
# never acknowledged): 1. Batches still in the sink's inlet (8, LogComponentFactory.inletCapacity) or in the reader's
# pipe never reached the double, so they are sent for the first time after the restart, not resent.
MAX_RESENT = (int(1.5 / DELAY) + 1) * BATCH
# Each run stores more than the bound before it is killed, so a restart from the journal's head (every stored entry
# resent) can't hide under it.
PER_ROUND = 2000


def test_every_entry_arrives_once_across_repeated_kill_9(es, dirs, agent_factory):
    journal_dir, data_dir = dirs
    total = 12000
    write_journal(journal_dir, 0, total)
    text = config(journal_dir, es.port, data_dir, max_items=BATCH)
    es_post(es, "/_noa/faults", {"delay": DELAY})  # slow enough that each run is cut mid-stream
    expected_resends = 0  # what the next run must send again: stored entries past the checkpoint
    previous_checkpoint = -1
    for round_ in range(3):
        start = settled_stats(es)
        agent = agent_factory(text).start()
        deadline = time.time() + 60
        while es_get(es, "/_noa/stats")["created"] < start["created"] + PER_ROUND:
            assert agent.process.poll() is None, agent.log()[-3000:]
            assert time.time() < deadline, f"round {round_}: {es_get(es, '/_noa/stats')}"
            time.sleep(0.05)
        agent.process.send_signal(signal.SIGKILL)
        agent.process.wait()
        stats = settled_stats(es)
        stored = stats["created"]
        assert stored < total, f"round {round_}: the agent finished before it was killed"
        # The restart resumed just after the checkpoint: it sent again exactly what was stored past it (a 409 each),
        # and nothing before it (a reader restarted from the head would resend everything stored).
        assert stats["duplicates"] - start["duplicates"] == expected_resends, (round_, start, stats)
        # Entries are stored in journal order, so the double holds 0 .. stored-1.
        assert sorted(sequences(es)) == list(range(stored))
        checkpoint = checkpointed_seq(data_dir)
        assert checkpoint is not None, f"round {round_}: no checkpoint written"
        assert previous_checkpoint < checkpoint < stored, (round_, previous_checkpoint, checkpoint, stored)
        expected_resends = stored - 1 - checkpoint
        assert expected_resends <= MAX_RESENT, (
            f"round {round_}: {expected_resends} entries stored past the checkpoint (entry {checkpoint}), "
            f"more than the {MAX_RESENT} a kill can leave unacknowledged")
        previous_checkpoint = checkpoint
    es_post(es, "/_noa/faults", {})
    start = settled_stats(es)
    agent = agent_factory(text).start()
    seqs = wait_for_count(es, total, agent=agent)
    assert sorted(seqs) == list(range(total))
    agent.stop()
    assert agent.process.returncode == 0, agent.log()[-2000:]
    stats = settled_stats(es)
    # Replays after a kill are answered 409 (already there): stored once, however often they were sent.
    assert stats["created"] == total, stats
    assert stats["duplicates"] - start["duplicates"] == expected_resends, (start, stats)
    # The shutdown saved the checkpoint at the last entry.
    assert checkpointed_seq(data_dir) == total - 1


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
    third = write_journal(journal_dir, 800, 400, file_name="c.journal")
    seqs = wait_for_count(es, 1200, agent=agent)
    assert sorted(seqs) == list(range(1200))
    # Following across the rotation and the vacuum sent nothing twice (a reader that reopened the directory from
    # its head would have resent b.journal before c.journal).
    assert es_get(es, "/_noa/stats")["duplicates"] == 0
    agent.stop()
    assert agent.process.returncode == 0, agent.log()[-2000:]
    assert checkpointed_seq(data_dir) == 1199, "the shutdown saves the checkpoint at the last entry"
    # Restart after the checkpoint's own file was vacuumed: the entry it names is gone, the reader resumes at the
    # first entry after it (d.journal), and b.journal, still there and older, is not sent again.
    os.unlink(third)
    write_journal(journal_dir, 1200, 100, file_name="d.journal")
    agent2 = agent_factory(config(journal_dir, es.port, data_dir)).start()
    seqs = wait_for_count(es, 1300, agent=agent2)
    assert sorted(seqs) == list(range(1300))
    agent2.stop()
    assert agent2.process.returncode == 0, agent2.log()[-2000:]
    assert settled_stats(es)["duplicates"] == 0
    assert checkpointed_seq(data_dir) == 1299


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


def journald_counter(prom_port, name):
    """The journald source's `name` counter or gauge on the agent's /metrics."""
    text = http_get(f"http://127.0.0.1:{prom_port}/metrics")[2].decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels.get("component_id") == "journal":
                return sample.value
    raise AssertionError(f"{name} is not on /metrics")


def test_a_journal_file_truncated_under_the_running_reader_costs_a_restart_and_shipping_goes_on(
        es, dirs, agent_factory):
    journal_dir, data_dir = dirs
    damaged = write_journal(journal_dir, 0, 20000, file_name="a.journal", payload=300)
    write_journal(journal_dir, 100000, 300, file_name="b.journal")
    # Elasticsearch refuses until the file is cut, so the sink's inlet (8 batches) and the batch its runner retries
    # fill, the reader waits, and the reader child stops mid-file with the file mapped: it reads ahead of what it
    # handed over by at most the pipe's 1 MiB and its 256 KiB buffer (about 2,000 of these entries), far before the
    # cut at a third of the file.
    es_post(es, "/_noa/faults", {"status": 503, "requests": 10 ** 9, "retry_after": 0})
    prom_port = free_port()
    agent = agent_factory(config(journal_dir, es.port, data_dir, prom_port=prom_port)).start()
    wait_for_http(f"http://127.0.0.1:{prom_port}/metrics", process=agent.process)
    deadline = time.time() + 30
    while journald_counter(prom_port, "noa_journald_unacknowledged_batches") < 9:
        assert agent.process.poll() is None, agent.log()[-3000:]
        assert time.time() < deadline, agent.log()[-3000:]
        time.sleep(0.1)
    assert journald_counter(prom_port, "noa_journald_reader_restarts_total") == 0
    handed_over = journald_counter(prom_port, "noa_journald_entries_total")
    with open(damaged, "r+b") as f:
        f.truncate(os.path.getsize(damaged) // 3)
    es_post(es, "/_noa/faults", {})
    # Reading on, the child touches the cut-off part of its mapping and dies of SIGBUS; the agent restarts it.
    deadline = time.time() + 60
    while journald_counter(prom_port, "noa_journald_reader_restarts_total") < 1:
        assert agent.process.poll() is None, agent.log()[-3000:]
        assert time.time() < deadline, agent.log()[-3000:]
        time.sleep(0.1)
    assert "signal 7" in agent.log(), "the restart was for SIGBUS"
    wait_for_entries(es, set(range(100000, 100300)), agent)
    # Written after the damage: the restarted child follows the directory and they are shipped too.
    write_journal(journal_dir, 200000, 200, file_name="c.journal")
    wait_for_entries(es, set(range(200000, 200200)), agent)
    seqs = sequences(es)  # also checks that no document id was stored twice
    before_the_fault = sorted(n for n in seqs if n < 100000)
    # What the damaged file gave before the fault arrived from its start, without a gap.
    assert before_the_fault == list(range(len(before_the_fault))) and len(before_the_fault) >= handed_over > 0
    assert agent.process.poll() is None


def wait_for_entries(es, wanted, agent, timeout=60):
    deadline = time.time() + timeout
    while not wanted <= set(sequences(es)):
        assert agent.process.poll() is None, agent.log()[-3000:]
        assert time.time() < deadline, f"{len(wanted - set(sequences(es)))} of {len(wanted)} entries missing"
        time.sleep(0.2)
