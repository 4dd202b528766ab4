"""The other log paths end to end with the real binary: JSON lines pushed over HTTP and DogStatsD events from the
real `datadog` client into the file sink; the journal to the Logstash sink over the Beats protocol (against
beats_receiver.py, since Logstash is not installable here); `noa-agent setup elasticsearch` against the bulk API
double."""
import glob
import gzip
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from conftest import AGENT_BIN, free_port
from es_double import ESDouble
from journal_gen import write_journal

HERE = os.path.dirname(os.path.abspath(__file__))


def read_docs(directory, prefix="noa"):
    docs = []
    for path in sorted(glob.glob(os.path.join(directory, f"{prefix}-*.ndjson"))):
        with open(path) as f:
            docs += [json.loads(line) for line in f if line.strip()]
    return docs


def wait_docs(directory, count, agent, timeout=30):
    deadline = time.time() + timeout
    docs = []
    while time.time() < deadline:
        docs = read_docs(directory)
        if len(docs) >= count:
            return docs
        assert agent.process.poll() is None, agent.log()[-3000:]
        time.sleep(0.1)
    raise AssertionError(f"{len(docs)} of {count} documents: {docs[-3:]}")


def post(url, body, content_type="application/x-ndjson", encoding=None):
    headers = {"Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_listening(port, agent, timeout=20):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert agent.process.poll() is None, agent.log()[-3000:]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def test_http_json_lines_and_dogstatsd_events_reach_the_file_sink(tmp_path, agent_factory):
    http_port, statsd_port, prom_port = free_port(), free_port(), free_port()
    logs = tmp_path / "logs"
    agent = agent_factory(f"""
data_dir: {tmp_path}/data
sources:
  app:
    type: http_logs
    listen: 127.0.0.1:{http_port}
  statsd:
    type: statsd
    listen: [udp://127.0.0.1:{statsd_port}]
sinks:
  files:
    type: file
    directory: {logs}
    inputs: [app, statsd]
  prom:
    type: prometheus
    listen: 127.0.0.1:{prom_port}
    inputs: [statsd]
""").start()
    wait_listening(http_port, agent)
    url = f"http://127.0.0.1:{http_port}/v1/logs/json"
    lines = [
        {"level": "error", "message": "payment failed", "correlationId": "req-42", "service": "shop",
         "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "orderId": 7},
        {"level": "http", "msg": "GET /cart 200", "timestamp": "2026-11-27T10:00:00.250Z"},
        {"level": "silly", "message": "very detailed"},
    ]
    body = "\n".join(json.dumps(l) for l in lines).encode() + b"\n"
    status, answer = post(url, gzip.compress(body), encoding="gzip")
    assert (status, answer["accepted"]) == (200, 3), answer
    status, answer = post(url, b'{"level":"info","message":"fine"}\nnot json\n')
    assert status == 400 and answer["accepted"] == 1 and answer["errors"][0]["line"] == 2, answer

    from datadog.dogstatsd import DogStatsd
    client = DogStatsd(host="127.0.0.1", port=statsd_port)
    client.event("Deploy finished", "v2.3 is live", alert_type="success", tags=["env:prod"], hostname="web-1")
    client.service_check("shop.db", DogStatsd.CRITICAL, tags=["db:main"], message="connection refused")
    client.flush() if hasattr(client, "flush") else None

    docs = wait_docs(str(logs), 6, agent)
    by_message = {d["message"]: d for d in docs}
    failed = by_message["payment failed"]
    assert failed["log"]["level"] == "error"
    assert failed["labels"]["correlation_id"] == "req-42"
    assert failed["service"]["name"] == "shop"
    assert failed["trace"]["id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert failed["span"]["id"] == "00f067aa0ba902b7"
    assert failed["app"]["orderId"] == 7
    assert by_message["GET /cart 200"]["@timestamp"].startswith("2026-11-27T10:00:00.25")
    assert by_message["GET /cart 200"]["log"]["level"] == "http"
    assert "fine" in by_message and "very detailed" in by_message
    event = by_message["Deploy finished\nv2.3 is live"]
    assert event["event"]["kind"] == "event" and event["event"]["outcome"] == "success"
    assert event["host"]["name"] == "web-1" and event["labels"]["env"] == "prod"
    check = by_message["connection refused"]
    assert check["log"]["level"] == "error"
    assert check["dogstatsd"]["service_check"]["name"] == "shop.db"
    assert check["dogstatsd"]["service_check"]["status_name"] == "critical"


@pytest.mark.parametrize("faults", [
    [],
    # Acked up to 100 of each 200-event window, then acked up to 150 and dropped: nothing is sent twice.
    ["--partial-ack", "--drop-after", "150", "--drop-times", "2"],
    # Acked up to 100, events 101-150 read and never acked, 151-200 sent and never read, then dropped: twice.
    ["--partial-ack", "--drop-after", "150", "--drop-times", "2", "--drop-unacked"],
], ids=["clean", "drop-after-ack", "drop-unacked"])
def test_the_journal_reaches_logstash_over_beats(tmp_path, agent_factory, faults):
    journal = tmp_path / "journal"
    write_journal(str(journal), 0, 1000)
    out = tmp_path / "events.ndjson"
    unacked_out = tmp_path / "unacked.ndjson"
    receiver = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "beats_receiver.py"), "--port", "0", "--out", str(out),
         "--unacked-out", str(unacked_out)] + faults,
        stdout=subprocess.PIPE, text=True)
    try:
        port = int(receiver.stdout.readline().split()[1])
        agent = agent_factory(f"""
data_dir: {tmp_path}/data
sources:
  journal:
    type: journald
    directory: {journal}
    start_at: head
  self:
    type: host_metrics
    collectors: [loadavg]
sinks:
  logstash:
    type: logstash
    inputs: [journal]
    hosts: [127.0.0.1:{port}]
    window_size: 200
    timeout: 5s
  prom:
    type: prometheus
    listen: 127.0.0.1:{free_port()}
    inputs: [self]
""").start()

        def read(path):
            if not path.exists():
                return []
            with open(path) as f:
                return [json.loads(line) for line in f if line.strip()]

        deadline = time.time() + 60
        events = []
        while time.time() < deadline:
            events = read(out)
            if set(range(1000)) <= {int(e["journald"]["custom"]["noa_seq"]) for e in events}:
                break
            assert agent.process.poll() is None, agent.log()[-3000:]
            time.sleep(0.2)
        # The journal is at its end and followed: what arrives after every entry did would be a spurious resend.
        agent.stop()
        events = read(out)
        seqs = Counter(int(e["journald"]["custom"]["noa_seq"]) for e in events)
        assert set(seqs) == set(range(1000)), f"missing: {sorted(set(range(1000)) - set(seqs))[:20]}"
        assert all(e["@metadata"]["beat"] == "noa-agent" and e["@metadata"]["_id"] for e in events)
        unacked = Counter(int(e["journald"]["custom"]["noa_seq"]) for e in read(unacked_out))
        if "--drop-unacked" in faults:
            # At least once: the events the receiver read but never acked are resent after the reconnect, so
            # Logstash sees each of them twice (with the same @metadata._id, which an Elasticsearch output given
            # `document_id => "%{[@metadata][_id]}"` stores once); nothing else twice. A window of w events (150 to
            # 200) is acked up to w/2 and read up to 150: 50 to 75 events read and never acked, per dropped connection.
            assert 2 * 50 <= sum(unacked.values()) <= 2 * 75 and max(unacked.values()) == 1, unacked
            assert {seq: n for seq, n in seqs.items() if n > 1} == {seq: 2 for seq in unacked}
            ids = {}
            for e in events:
                ids.setdefault(e["journald"]["custom"]["noa_seq"], set()).add(e["@metadata"]["_id"])
            assert all(len(v) == 1 for v in ids.values())
        else:
            # A window cut mid-way after an ack is resent from its first unacknowledged event: nothing repeated.
            assert unacked == Counter()
            assert max(seqs.values()) == 1, {seq: n for seq, n in seqs.items() if n > 1}
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


def test_setup_elasticsearch_installs_the_template(tmp_path):
    with ESDouble() as es:
        config = tmp_path / "agent.yaml"
        config.write_text(f"""
data_dir: {tmp_path}
sources:
  journal:
    type: journald
    directory: {tmp_path}
sinks:
  es:
    type: elasticsearch
    inputs: [journal]
    endpoints: [http://127.0.0.1:{es.port}]
    data_stream: logs-noa.journal-default
""")
        result = subprocess.run([AGENT_BIN, "setup", "elasticsearch", "--config", str(config)],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        with urllib.request.urlopen(f"http://127.0.0.1:{es.port}/_noa/templates", timeout=10) as response:
            templates = json.loads(response.read())
        assert len(templates) == 1
        template = next(iter(templates.values()))
        assert template["index_patterns"] == ["logs-noa.journal-default"]
        assert "data_stream" in template
        properties = template["template"]["mappings"]["properties"]
        assert properties["@timestamp"]["type"] in ("date", "date_nanos")
        assert properties["log"]["properties"]["level"]["type"] == "keyword"


def test_a_reload_that_changes_the_log_sinks_loses_and_repeats_nothing(tmp_path, agent_factory):
    import signal as signals
    journal = tmp_path / "journal"
    write_journal(str(journal), 0, 3000)
    text = f"""
data_dir: {tmp_path}/data
sources:
  journal: {{type: journald, directory: {journal}, start_at: head, batch_size: 100}}
  self: {{type: host_metrics, collectors: [loadavg]}}
sinks:
  files: {{type: file, inputs: [journal], prefix: first}}
  prom: {{type: prometheus, listen: "127.0.0.1:{free_port()}", inputs: [self]}}
"""
    agent = agent_factory(text).start()
    logs = tmp_path / "data" / "logs"
    deadline = time.time() + 30
    while len(read_docs(str(logs), "first")) < 500 and time.time() < deadline:
        assert agent.process.poll() is None, agent.log()[-3000:]
        time.sleep(0.05)
    # The file sink changes: the log pipeline drains, stops, and starts again from the checkpoint.
    agent.write_config(text.replace("prefix: first", "prefix: second"))
    agent.signal(signals.SIGHUP)
    write_journal(str(journal), 3000, 500, file_name="b.journal")
    deadline = time.time() + 30
    seqs = []
    while time.time() < deadline:
        docs = read_docs(str(logs), "first") + read_docs(str(logs), "second")
        seqs = [int(d["journald"]["custom"]["noa_seq"]) for d in docs]
        if len(seqs) >= 3500:
            break
        time.sleep(0.1)
    assert sorted(seqs) == list(range(3500)), f"{len(seqs)} documents, {len(set(seqs))} distinct"
    assert read_docs(str(logs), "second"), "the reloaded sink wrote"
    assert "The config was reloaded." in agent.log()
