"""Parity with Debian's prometheus-node-exporter on this machine, in one run: every family node_exporter emits
from the collectors the agent implements is present with the same type and label names, the same series, and
values that agree. Values are read node_exporter -> agent -> node_exporter, so each agent counter, and each gauge
that holds still, must lie between node_exporter's two reads exactly; only gauges that move on their own get a
relative tolerance (see MOVING)."""
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families as parse_text

from conftest import free_port, host_config, http_get, wait_for_http

# node_exporter families that come from collectors the agent does not implement, or from node_exporter itself.
NOT_OURS = ("node_exporter_build_info", "node_selinux_", "node_textfile_", "node_scrape_collector_")
# Deliberate differences from Debian's node_exporter 1.5.0, each following node_exporter 1.9 (the version whose
# names the agent matches): label names 1.9 added, and devices 1.9 excludes by default.
LABELS_ADDED_IN_1_9 = {
    "node_filesystem_": {"device_error"},   # 1.9 labels every filesystem family with the statfs error
    "node_network_info": {"adminstate"},
    "node_disk_info": {"rotational"},
}
EXCLUDED_BY_1_9 = {"device": re.compile(r"^z?ram\d+$")}  # --collector.diskstats.device-exclude gained z?ram


def added_labels(name):
    return set().union(*[labels for prefix, labels in LABELS_ADDED_IN_1_9.items() if name.startswith(prefix)])


def excluded(labels):
    return any(key in dict(labels) and pattern.match(dict(labels)[key]) for key, pattern in EXCLUDED_BY_1_9.items())


def project(series, label_names):
    """Our series keyed by only the label names node_exporter 1.5 has."""
    return {(name, tuple((k, v) for k, v in labels if k in label_names)): value
            for (name, labels), value in series.items()}


# Gauges whose value moves on its own between reads (time, kernel clock discipline, randomness pool, queues and
# socket counts): not compared at all. Prefixes, and the family names in VOLATILE_EXCEPT that share a prefix but
# hold still (flags, constants) and so are compared exactly.
VOLATILE = ("node_timex_", "node_entropy_available_bits", "node_load", "node_procs_", "node_time_seconds",
            "node_sockstat_", "node_udp_queues", "node_disk_io_now", "node_arp_entries", "node_nf_conntrack_entries",
            "node_netstat_Tcp_CurrEstab")
VOLATILE_EXCEPT = {"node_timex_sync_status", "node_timex_status", "node_timex_tick_seconds",
                   "node_timex_tai_offset_seconds", "node_nf_conntrack_entries_limit"}
# Gauges that legitimately move between two reads a few milliseconds apart (memory in use, free space and inodes,
# open files): the agent's value must lie within node_exporter's two reads widened by 2% of their size. A relative
# slack, never an absolute one, so a 0 stays exactly 0. The sizes, totals and limits under these prefixes hold
# still and are compared exactly (MOVING_EXCEPT).
MOVING = ("node_memory_", "node_filesystem_avail_bytes", "node_filesystem_free_bytes", "node_filesystem_files",
          "node_filefd_allocated")
MOVING_EXCEPT = {"node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_memory_VmallocTotal_bytes",
                 "node_memory_Hugepagesize_bytes", "node_memory_HugePages_Total", "node_memory_CommitLimit_bytes"}
# Every other gauge (flags such as node_network_up, node_network_carrier and node_filesystem_readonly, 0/1 states
# and info series, small integers such as node_network_mtu_bytes or node_os_version, constants such as
# node_boot_time_seconds) and every counter and untyped value (netstat, vmstat: counters, or constants such as
# Ip_Forwarding) must lie within node_exporter's two reads exactly: a 0/1 gauge reported inverted fails.


def volatile(name):
    return name.startswith(VOLATILE) and name not in VOLATILE_EXCEPT


def slack(name, kind, low, high):
    """How far outside node_exporter's two reads [low, high] the agent's value of `name` may lie."""
    if kind == "gauge" and name.startswith(MOVING) and name not in MOVING_EXCEPT:
        return 0.02 * max(abs(low), abs(high))
    return 1e-9 * max(abs(high), 1)  # the same number, printed by another float formatter


def families(text):
    """{exposed family name: (type, {(sample name, sorted labels): value})}. The parser names a counter family
    without `_total`; the name as exposed (and as dashboards use it) is the sample name, so that is the key."""
    result = {}
    for family in parse_text(text):
        series = {}
        for sample in family.samples:
            series[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        name = family.name + "_total" if family.type == "counter" and not family.name.endswith("_total") else family.name
        result[name] = (family.type, series)
    return result


@pytest.fixture
def agents(agent_factory, node_exporter):
    port = free_port()
    agent = agent_factory(host_config(port)).start()
    ours_url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(ours_url, process=agent.process)

    def read():
        before = families(http_get(node_exporter)[2].decode())
        ours = families(http_get(ours_url)[2].decode())
        after = families(http_get(node_exporter)[2].decode())
        return before, ours, after
    return read


@pytest.fixture
def three_reads(agents):
    return agents()


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
        our_labels = {tuple(k for k, _ in labels if k not in added_labels(name)) for _, labels in our_series}
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
        theirs = {key for key in set(series) & set(after.get(name, (None, {}))[1]) if not excluded(key[1])}
        label_names = {k for _, labels in series for k, _ in labels}
        mine = set(project(ours[name][1], label_names))
        if volatile(name):
            continue
        if theirs - mine:
            differences.append(f"{name}: agent lacks {sorted(theirs - mine)[:3]}")
    assert differences == [], "\n".join(differences)


def test_values_agree(agents):
    """A gauge such as Committed_AS can move by more than the tolerance between two reads when another process
    starts: a series disagrees only if it does so in each of several rounds of reads."""
    persistent, compared = None, 0
    for _ in range(4):
        disagreements, compared = disagreements_in(*agents())
        keys = {line.split(": agent ")[0] for line in disagreements}
        persistent = keys if persistent is None else persistent & keys
        if not persistent:
            break
    assert not persistent, "\n".join(disagreements[:40])
    assert compared > 250, f"only {compared} series compared"


def disagreements_in(before, ours, after):
    disagreements, compared = [], 0
    for name, (kind, series) in before.items():
        if not name.startswith("node_") or name.startswith(NOT_OURS) or volatile(name):
            continue
        if name not in ours or name not in after:
            continue
        label_names = {k for _, labels in series for k, _ in labels}
        projected = project(ours[name][1], label_names)
        for key, first in series.items():
            second = after[name][1].get(key)
            mine = projected.get(key)
            if second is None or mine is None:
                continue
            compared += 1
            low, high = min(first, second), max(first, second)
            allowed = slack(name, kind, low, high)
            if not (low - allowed <= mine <= high + allowed):
                disagreements.append(f"{key[0]}{dict(key[1])}: agent {mine}, node_exporter {first} .. {second}")
    return disagreements, compared


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
    assert all(ours[name][1] for name in needed)
