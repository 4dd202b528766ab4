"""A `host_metrics` source whose `root:` points at a damaged host tree, through the real binary: a copy of a captured
tree (probes/hosts/) with /proc/loadavg missing and /proc/meminfo malformed. The agent must keep serving /metrics,
report the two collectors failed as node_exporter does (`node_scrape_collector_success{collector} 0`), serve every
other collector's families as on the intact tree, log each failure once, and not crash."""
import os
import shutil
import subprocess

from prometheus_client.parser import text_string_to_metric_families as parse_text

from conftest import free_port, host_config, http_get, wait_for_http

HERE = os.path.dirname(os.path.abspath(__file__))
# NOA_PROBES_DIR: where probes/ is when the tests run from a copy of Tests/Integration (the unprivileged run).
PROBES = os.environ.get("NOA_PROBES_DIR", os.path.join(HERE, "..", "..", "probes"))
TREE = os.path.join(PROBES, "hosts", "debian12-6.18-hybrid")
BROKEN = {"loadavg", "meminfo"}


def series(text):
    """{(sample name, sorted labels): value}."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in parse_text(text) for s in f.samples}


def damaged_tree(tmp_path):
    root = tmp_path / "host"
    shutil.copytree(TREE, root)
    os.unlink(root / "proc" / "loadavg")
    meminfo = root / "proc" / "meminfo"
    text = meminfo.read_text()
    assert text.startswith("MemTotal:")
    # A value that is not a number, as a kernel bug or a truncated read through a broken FUSE mount would give.
    meminfo.write_text(text.replace("MemTotal:       24684084 kB", "MemTotal:       24684O84 kB", 1))
    return root


def test_a_missing_and_a_malformed_file_fail_only_their_collectors(agent_factory, tmp_path):
    root = damaged_tree(tmp_path)
    port = free_port()
    agent = agent_factory(host_config(port, root=str(root))).start()
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(url, process=agent.process)
    with open(os.path.join(TREE, "expected.prom")) as f:
        golden = series(f.read())
    expected_success = {dict(labels)["collector"]: value for (name, labels), value in golden.items()
                        if name == "node_scrape_collector_success"}
    assert BROKEN <= set(expected_success) and all(v == 1 for v in expected_success.values())
    # The golden exposition's families of the collectors that still work: what the damaged tree must give too.
    unaffected = {key: value for key, value in golden.items()
                  if not key[0].startswith(("node_load", "node_memory_", "node_scrape_collector_"))}
    assert len(unaffected) > 250
    for _ in range(3):  # every scrape, not only the first: the failures persist, the rest keeps being served
        status, _, body = http_get(url)
        assert status == 200
        ours = series(body.decode())
        success = {dict(labels)["collector"]: value for (name, labels), value in ours.items()
                   if name == "node_scrape_collector_success"}
        assert {c: success.get(c) for c in expected_success} == {
            c: 0.0 if c in BROKEN else 1.0 for c in expected_success}
        # Nothing of the failed collectors is exposed (a half-read meminfo would be worse than none).
        assert [key for key in ours if key[0].startswith(("node_load", "node_memory_"))] == []
        differences = {key: (value, ours.get(key)) for key, value in unaffected.items() if ours.get(key) != value}
        assert differences == {}, list(differences.items())[:10]
    # promtool, Prometheus's own parser, reads the exposition of a scrape with failed collectors.
    check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=60)
    assert b"error while linting" not in check.stdout + check.stderr, check.stdout + check.stderr
    assert agent.process.poll() is None, agent.log()[-3000:]
    log = agent.log()
    # Each failure is logged once (then every 100th time), naming its collector, not once per scrape.
    for collector in BROKEN:
        lines = [line for line in log.splitlines() if f"collector={collector}" in line]
        assert len(lines) == 1, (collector, log[-3000:])
