"""What a Prometheus server sees: promtool's parser and linter, content negotiation, gzip, no duplicates."""
import gzip
import subprocess

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from conftest import free_port, host_config, http_get, wait_for_http

import re

# Kernel field names kept as the kernel spells them, as node_exporter does (node_memory_MemTotal_bytes): promtool
# calls them camelCase for every field, including fields node_exporter 1.5 does not know yet.
KERNEL_FIELD_NAMES = re.compile(r"^node_(memory|netstat|vmstat)_\S+ metric names should be written in 'snake_case'")


def promtool_lint(body):
    result = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=60)
    return {line for line in (result.stdout + result.stderr).decode().splitlines() if line.strip()}


def scrape(agent_factory, headers=None):
    port = free_port()
    agent = agent_factory(host_config(port)).start()
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(url, process=agent.process)
    return http_get(url, headers=headers)


def test_promtool_parses_and_lints(agent_factory, node_exporter):
    """No parse error, and no lint warning that node_exporter's own exposition doesn't also get for that name."""
    _, headers, body = scrape(agent_factory)
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    theirs = promtool_lint(http_get(node_exporter)[2])
    ours = promtool_lint(body)
    problems = sorted(line for line in ours - theirs if not KERNEL_FIELD_NAMES.match(line))
    assert problems == [], "\n".join(problems)


def test_every_family_has_help_and_type_and_no_duplicate_series(agent_factory):
    _, _, body = scrape(agent_factory)
    text = body.decode()
    helps = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
    types = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    assert helps == types
    seen = set()
    for family in parse_text(text):
        assert family.name in types or family.name + "_total" in types
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            assert key not in seen, key
            seen.add(key)
    assert len(seen) > 100


def test_openmetrics_negotiation_and_gzip(agent_factory):
    _, headers, body = scrape(agent_factory, headers={
        "Accept": "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        "Accept-Encoding": "gzip"})
    assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(body).decode()
    assert text.endswith("# EOF\n")
    families = {family.name: family for family in parse_openmetrics(text)}
    assert families["node_cpu_seconds"].type == "counter"
    assert families["node_load1"].type == "gauge"


def test_the_agents_own_runtime_figures(agent_factory):
    """The agent's heap (mallinfo2) beside its process figures: present, and within what the process maps."""
    _, _, body = scrape(agent_factory)
    values = {s.name: s.value for f in parse_text(body.decode()) for s in f.samples if not s.labels}
    for name in ("noa_allocator_in_use_bytes", "noa_allocator_free_bytes", "noa_allocator_arena_bytes",
                 "noa_allocator_mmapped_bytes", "process_virtual_memory_bytes", "process_resident_memory_bytes"):
        assert name in values, name
    assert 100_000 < values["noa_allocator_in_use_bytes"] < values["process_virtual_memory_bytes"]
    assert values["noa_allocator_arena_bytes"] <= values["process_virtual_memory_bytes"]
