"""Parity with Debian's prometheus-node-exporter on this machine, in one run: every family node_exporter emits
from the collectors the agent implements is present with the same type and label names, the same series, and
values that agree. Counters are read node_exporter -> agent -> node_exporter, so each agent counter must lie
between node_exporter's two reads; gauges must be within their two reads plus a small tolerance."""
import pytest
from prometheus_client.parser import text_string_to_metric_families as parse_text

from conftest import free_port, host_config, http_get, wait_for_http

# node_exporter families that come from collectors the agent does not implement, or from node_exporter itself.
NOT_OURS = ("node_exporter_build_info", "node_selinux_", "node_textfile_", "node_scrape_collector_")
# Gauges whose value moves on its own between reads (time, kernel clock discipline, randomness pool).
VOLATILE = ("node_timex_", "node_entropy_available_bits", "node_load", "node_procs_", "node_time_seconds",
            "node_sockstat_", "node_udp_queues", "node_disk_io_now", "node_arp_entries", "node_nf_conntrack_entries")


def families(text):
    result = {}
    for family in parse_text(text):
        series = {}
        for sample in family.samples:
            series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        result[family.name] = (family.type, series)
    return result


@pytest.fixture
def three_reads(agent_factory, node_exporter):
    port = free_port()
    agent = agent_factory(host_config(port)).start()
    ours_url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(ours_url, process=agent.process)
    before = families(http_get(node_exporter)[2].decode())
    ours = families(http_get(ours_url)[2].decode())
    after = families(http_get(node_exporter)[2].decode())
    return before, ours, after


def test_every_family_is_present_with_same_type_and_labels(three_reads):
    before, ours, _ = three_reads
    missing, wrong = [], []
    for name, (kind, series) in before.items():
        if not name.startswith("node_") or name.startswith(NOT_OURS):
            continue
        if name not in ours:
            missing.append(name)
            continue
        our_kind, our_series = ours[name]
        if our_kind != kind:
            wrong.append(f"{name}: type {our_kind}, node_exporter {kind}")
        their_labels = {tuple(k for k, _ in labels) for _, labels in series}
        our_labels = {tuple(k for k, _ in labels) for _, labels in our_series}
        if their_labels != our_labels:
            wrong.append(f"{name}: labels {sorted(our_labels)}, node_exporter {sorted(their_labels)}")
    assert missing == [], f"families node_exporter has and the agent lacks: {missing}"
    assert wrong == [], "\n".join(wrong)


def test_same_series(three_reads):
    before, ours, after = three_reads
    differences = []
    for name, (_, series) in before.items():
        if not name.startswith("node_") or name.startswith(NOT_OURS) or name not in ours:
            continue
        theirs = set(series) & set(after.get(name, (None, {}))[1])  # series present in both reads
        mine = set(ours[name][1])
        if name.startswith(VOLATILE):
            continue
        if theirs - mine:
            differences.append(f"{name}: agent lacks {sorted(theirs - mine)[:3]}")
    assert differences == [], "\n".join(differences)


def test_values_agree(three_reads):
    before, ours, after = three_reads
    disagreements = []
    for name, (kind, series) in before.items():
        if not name.startswith("node_") or name.startswith(NOT_OURS) or name.startswith(VOLATILE):
            continue
        if name not in ours or name not in after:
            continue
        for key, first in series.items():
            second = after[name][1].get(key)
            mine = ours[name][1].get(key)
            if second is None or mine is None:
                continue
            low, high = min(first, second), max(first, second)
            if kind == "counter":
                slack = 1e-9 * max(abs(high), 1)
            else:
                slack = max(0.02 * max(abs(low), abs(high)), 1.0)
            if not (low - slack <= mine <= high + slack):
                disagreements.append(f"{key[0]}{dict(key[1])}: agent {mine}, node_exporter {first} .. {second}")
    assert disagreements == [], "\n".join(disagreements[:40])


def test_dashboard_header_families_present(three_reads):
    """The Node Exporter Full dashboard's header rows and template variables."""
    _, ours, _ = three_reads
    needed = [
        "node_uname_info", "node_cpu_seconds_total", "node_load1", "node_load5", "node_load15",
        "node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes", "node_memory_MemFree_bytes",
        "node_memory_Buffers_bytes", "node_memory_Cached_bytes", "node_memory_SReclaimable_bytes",
        "node_memory_SwapTotal_bytes", "node_memory_SwapFree_bytes", "node_filesystem_size_bytes",
        "node_filesystem_avail_bytes", "node_network_receive_bytes_total", "node_network_transmit_bytes_total",
        "node_pressure_cpu_waiting_seconds_total", "node_pressure_io_waiting_seconds_total",
        "node_pressure_memory_waiting_seconds_total", "node_time_seconds", "node_boot_time_seconds",
    ]
    assert [name for name in needed if name not in ours] == []
