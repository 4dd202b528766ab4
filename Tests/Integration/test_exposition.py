"""What a Prometheus server sees: promtool's parser and linter, content negotiation, gzip, no duplicates."""
import gzip
import subprocess

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from conftest import free_port, host_config, http_get, wait_for_http

# Lint warnings that node_exporter's own names also cause (promtool 2.42): they are the compatible names.
NODE_EXPORTER_LINT = (
    "non-histogram and non-summary metrics should not have \"_sum\" suffix",
    "non-counter metrics should not have \"_total\" suffix",
    "counter metrics should have \"_total\" suffix",
    "metric names should be written in 'snake_case' not 'camelCase'",
    "use base unit",
)


def scrape(agent_factory, headers=None):
    port = free_port()
    agent = agent_factory(host_config(port)).start()
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(url, process=agent.process)
    return http_get(url, headers=headers)


def test_promtool_parses_and_lints(agent_factory):
    _, headers, body = scrape(agent_factory)
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    result = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=60)
    problems = [line for line in result.stderr.decode().splitlines() + result.stdout.decode().splitlines()
                if line.strip() and not any(allowed in line for allowed in NODE_EXPORTER_LINT)]
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
