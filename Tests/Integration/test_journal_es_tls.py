"""Journal → Elasticsearch over HTTPS: the real agent binary shipping real journal files to es_double.py serving TLS
with a certificate from a throwaway CA (make_test_certs.sh, in the test's temp dir; no key is committed)."""
import json
import os
import ssl
import subprocess
import time
import urllib.request

import pytest

from conftest import AGENT_BIN, free_port
from es_double import ESDouble
from journal_gen import write_journal

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def pki(tmp_path):
    directory = tmp_path / "pki"
    directory.mkdir()
    subprocess.run(["sh", os.path.join(HERE, "make_test_certs.sh"), str(directory)], check=True)
    return str(directory)


@pytest.fixture
def es_tls(pki):
    with ESDouble(tls_cert=os.path.join(pki, "server.pem"), tls_key=os.path.join(pki, "server.key")) as double:
        yield double


def es_get(es, pki, path):
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
    with urllib.request.urlopen(f"https://localhost:{es.port}{path}", timeout=10, context=context) as response:
        return json.loads(response.read())


def config(journal_dir, data_dir, es_port, tls, prom_port):
    return f"""
data_dir: {data_dir}
sources:
  journal:
    type: journald
    directory: {journal_dir}
    start_at: head
  self:
    type: host_metrics
    collectors: [loadavg]
sinks:
  es:
    type: elasticsearch
    inputs: [journal]
    endpoints: [https://localhost:{es_port}]
    data_stream: logs-noa.journal-test
    batch: {{max_items: 200, max_delay: 100ms}}
    retry: {{initial_backoff: 50ms, max_backoff: 500ms}}
    tls: {tls}
  prom:
    type: prometheus
    listen: 127.0.0.1:{prom_port}
    inputs: [self]
"""


def test_the_journal_arrives_over_https_verified_against_the_configured_ca(es_tls, pki, tmp_path, agent_factory):
    journal_dir, data_dir = tmp_path / "journal", tmp_path / "data"
    journal_dir.mkdir()
    data_dir.mkdir()
    write_journal(str(journal_dir), 0, 500)
    text = config(journal_dir, data_dir, es_tls.port, f"{{ca_file: {pki}/ca.pem}}", free_port())
    agent = agent_factory(text).start()
    deadline = time.time() + 60
    docs = []
    while time.time() < deadline:
        docs = es_get(es_tls, pki, "/_noa/docs")["docs"]
        if len(docs) >= 500:
            break
        assert agent.process.poll() is None, agent.log()[-3000:]
        time.sleep(0.2)
    seqs = sorted(int(d["_source"]["journald"]["custom"]["noa_seq"]) for d in docs)
    assert seqs == list(range(500)), f"{len(seqs)} documents"
    assert es_get(es_tls, pki, "/_noa/stats")["tls_handshake_failures"] == 0
    agent.stop()
    assert agent.process.returncode == 0, agent.log()[-2000:]


def test_an_unknown_ca_is_refused_counted_and_retried_until_trusted(es_tls, pki, tmp_path, agent_factory):
    journal_dir, data_dir = tmp_path / "journal", tmp_path / "data"
    journal_dir.mkdir()
    data_dir.mkdir()
    write_journal(str(journal_dir), 0, 50)
    prom_port = free_port()
    # The system trust store only: the test CA is unknown to it.
    agent = agent_factory(config(journal_dir, data_dir, es_tls.port, "{system_roots: true}", prom_port)).start()
    deadline = time.time() + 30
    failures = 0
    while time.time() < deadline and failures < 2:
        assert agent.process.poll() is None, agent.log()[-3000:]
        failures = es_get(es_tls, pki, "/_noa/stats")["tls_handshake_failures"]
        time.sleep(0.2)
    assert failures >= 2, "the agent should retry the refused endpoint"
    assert es_get(es_tls, pki, "/_noa/docs")["count"] == 0
    agent.stop()
    log = agent.log()
    assert "certificate verification failed" in log, log[-3000:]
    assert agent.process.returncode == 0, log[-2000:]


def test_validate_reports_a_ca_file_that_is_not_pem(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    path = tmp_path / "agent.yaml"
    path.write_text(f"""sources:
  self:
    type: host_metrics
sinks:
  es:
    type: elasticsearch
    inputs: [self]
    endpoints: [https://localhost:9200]
    data_stream: logs-noa.x-default
    tls:
      ca_file: {bad}
""")
    result = subprocess.run([AGENT_BIN, "validate", "--config", str(path)], capture_output=True, text=True)
    assert result.returncode != 0
    assert f"agent.yaml:11:16: sinks.es.tls.ca_file: '{bad}' is not a readable PEM certificate file" in (
        result.stdout + result.stderr), result.stdout + result.stderr
