"""Parity with Debian's prometheus-process-exporter (0.7.10) on this machine: both read THE SAME process-exporter
config file, with a workload this test starts after both are up (so both count its counters whole: process-exporter
counts a process that started after its first scan from zero, one already running from that scan). Asserted: the
same group names over the whole machine, the same families and label sets, equal gauges for the workload's groups
(num_procs, num_threads, open_filedesc, states, resident and virtual memory), and counters that differ by no more
than the time between the two reads explains (the workload is idle by then, so in practice equal)."""
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families as parse_text

from conftest import free_port, http_get, wait_for_http

EXPORTER = "/usr/bin/prometheus-process-exporter"

# The shared config, in process-exporter's format: the workload's groups first (a comm AND a cmdline matcher; a
# named capture in the name), then every other process under its comm, as Debian's example all.yaml.
PE_CONFIG = textwrap.dedent("""\
    process_names:
      - name: "noa-sleep"
        comm: [sleep]
        cmdline: ['^sleep 4242\\.[0-9]$']
      - name: "noa-pyload-{{.Matches.tag}}"
        cmdline: ['noa-pyload-(?P<tag>[a-z]+)']
      - name: "{{.Comm}}"
        cmdline: ['.+']
    """)

THREADS = 5      # besides the main thread
OPEN_FILES = 9   # besides stdin/stdout/stderr and what python itself holds
# The workload: burns some CPU and touches memory (so the counters are not all zero), opens files, starts threads,
# forks a child that exits and is never reaped (a zombie: no arguments, so it joins its parent's group through
# `children`), says it is ready, then does nothing until killed.
PYLOAD = textwrap.dedent(f"""\
    import os, sys, threading, time
    end = time.process_time() + 0.3
    x = 0
    while time.process_time() < end:
        x += 1
    blob = bytearray(20 * 1024 * 1024)
    for i in range(0, len(blob), 4096):
        blob[i] = 1
    files = [open("/dev/null") for _ in range({OPEN_FILES})]
    stop = threading.Event()
    for _ in range({THREADS}):
        threading.Thread(target=stop.wait, daemon=True).start()
    if os.fork() == 0:
        os._exit(0)
    time.sleep(0.3)
    open(sys.argv[1], "w").close()
    stop.wait()
    """)

WORKLOAD_GROUPS = ("noa-sleep", "noa-pyload-parity")
EQUAL_GAUGES = ("namedprocess_namegroup_num_procs", "namedprocess_namegroup_num_threads",
                "namedprocess_namegroup_open_filedesc", "namedprocess_namegroup_states",
                "namedprocess_namegroup_worst_fd_ratio", "namedprocess_namegroup_oldest_start_time_seconds")
COUNTERS = ("namedprocess_namegroup_cpu_seconds_total", "namedprocess_namegroup_major_page_faults_total",
            "namedprocess_namegroup_minor_page_faults_total", "namedprocess_namegroup_context_switches_total",
            "namedprocess_namegroup_read_bytes_total", "namedprocess_namegroup_write_bytes_total")
# process-exporter 0.7 also exports the kernel wait channels of threads; the agent does not (see the README).
NOT_OURS = ("namedprocess_namegroup_threads_wchan",)


def scrape(url):
    _, _, body = http_get(url)
    series = {}
    types = {}
    for family in parse_text(body.decode()):
        if not family.name.startswith("namedprocess_") or family.name.startswith(NOT_OURS):
            continue
        types[family.name] = family.type
        for s in family.samples:
            series[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return series, types


def groups(series):
    return {dict(labels)["groupname"] for (name, labels) in series if name == "namedprocess_namegroup_num_procs"}


def of_group(series, group, prefix):
    return {key: v for key, v in series.items() if key[0].startswith(prefix) and dict(key[1]).get("groupname") == group}


@pytest.fixture
def workload():
    """Three sleeps and the python workload, as this test's own user (readable when the suite runs unprivileged)."""
    processes = []
    ready = tempfile.mktemp(prefix="noa-workload-ready-")
    try:
        for i in range(1, 4):
            processes.append(subprocess.Popen(["sleep", f"4242.{i}"]))
        processes.append(subprocess.Popen([sys.executable, "-c", PYLOAD, ready, "noa-pyload-parity"]))
        deadline = time.time() + 20
        while not os.path.exists(ready):
            assert time.time() < deadline, "the python workload did not get ready"
            time.sleep(0.05)
        yield processes
    finally:
        for p in processes:
            p.kill()
            p.wait()
        if os.path.exists(ready):
            os.unlink(ready)


@pytest.fixture(params=[False, True], ids=["defaults", "threads-smaps"])
def exporters(request, agent_factory, tmp_path):
    """process-exporter and the agent on loopback ports, reading one config file; both are up before the workload.
    Run with the agent's defaults, then with the per-thread families and smaps on both sides."""
    extras = request.param
    if not os.path.exists(EXPORTER):
        pytest.fail("prometheus-process-exporter is not installed: run `make test-deps`")
    config = tmp_path / "process-exporter.yaml"
    config.write_text(PE_CONFIG)
    os.chmod(tmp_path, 0o755)
    os.chmod(config, 0o644)
    pe_port, agent_port = free_port(), free_port()
    pe = subprocess.Popen(
        [EXPORTER, f"-web.listen-address=127.0.0.1:{pe_port}", f"-config.path={config}",
         f"-threads={str(extras).lower()}", f"-gather-smaps={str(extras).lower()}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    agent = agent_factory(textwrap.dedent(f"""\
        sources:
          procs:
            type: processes
            config_file: {config}
            threads: {str(extras).lower()}
            gather_smaps: {str(extras).lower()}
        sinks:
          prom:
            type: prometheus
            listen: 127.0.0.1:{agent_port}
            inputs: [procs]
        """)).start()
    try:
        pe_url = f"http://127.0.0.1:{pe_port}/metrics"
        agent_url = f"http://127.0.0.1:{agent_port}/metrics"
        wait_for_http(pe_url, process=pe)
        wait_for_http(agent_url, process=agent.process)
        # Start times are whole seconds of boot time plus ticks: a workload started within a second of an
        # exporter's first scan could be taken as older than it.
        time.sleep(1.5)
        yield pe_url, agent_url, extras
    finally:
        pe.terminate()
        pe.wait(timeout=10)


def test_same_groups_families_and_values_as_process_exporter(exporters, workload):
    pe_url, agent_url, extras = exporters
    # Processes come and go on a busy machine (this suite's own helpers): read until two consecutive pairs of
    # reads agree on the group names, at most a few times.
    for attempt in range(5):
        before, pe_types = scrape(pe_url)
        ours, our_types = scrape(agent_url)
        after, _ = scrape(pe_url)
        if groups(before) == groups(ours) == groups(after):
            break
        time.sleep(0.5)
    assert groups(ours) == groups(after), (
        f"only the agent: {sorted(groups(ours) - groups(after))}, only process-exporter: {sorted(groups(after) - groups(ours))}")
    for group in WORKLOAD_GROUPS:
        assert group in groups(ours)

    # The same families, types and label names.
    assert our_types == pe_types
    shapes = lambda series: {(name, tuple(k for k, _ in labels)) for (name, labels) in series}
    assert shapes(ours) == shapes(after)

    for group in WORKLOAD_GROUPS:
        for prefix in EQUAL_GAUGES:
            mine = of_group(ours, group, prefix)
            theirs = of_group(after, group, prefix)
            assert mine == theirs, f"{group} {prefix}: agent {mine} != process-exporter {theirs}"
        memory = lambda s: {k: v for k, v in of_group(s, group, "namedprocess_namegroup_memory_bytes").items()
                            if dict(k[1])["memtype"] in ("resident", "virtual", "swapped")}
        assert memory(ours) == memory(after), group
        for prefix in COUNTERS:
            for key, value in of_group(ours, group, prefix).items():
                low, high = before[key], after[key]
                # One tick either way: the two read the same clock-tick counters at slightly different moments.
                slack = 0.011 if "cpu_seconds" in key[0] else 0
                assert low - slack <= value <= high + slack, f"{key}: agent {value}, process-exporter {low}..{high}"

    # The workload's own values, so that equal-but-wrong is caught too.
    py = "noa-pyload-parity"
    assert ours[("namedprocess_namegroup_num_procs", (("groupname", "noa-sleep"),))] == 3
    assert ours[("namedprocess_namegroup_num_procs", (("groupname", py),))] == 2  # with its zombie child
    assert ours[("namedprocess_namegroup_states", (("groupname", py), ("state", "Zombie")))] == 1
    assert ours[("namedprocess_namegroup_num_threads", (("groupname", py),))] == THREADS + 1 + 1
    assert ours[("namedprocess_namegroup_open_filedesc", (("groupname", py),))] >= OPEN_FILES + 3
    # 0.3 s of CPU burnt (user and system: its clock reads are system calls), counted whole by both.
    cpu = sum(ours[("namedprocess_namegroup_cpu_seconds_total", (("groupname", py), ("mode", m)))] for m in ("user", "system"))
    assert cpu >= 0.25
    assert ours[("namedprocess_namegroup_memory_bytes", (("groupname", py), ("memtype", "resident")))] > 20 * 1024 * 1024
    if extras:
        # Per thread name: the python workload's threads are all named after it; a thread first seen counts from
        # then, as in process-exporter, so its counters equal process-exporter's exactly here.
        threads = lambda s: {k: v for k, v in s.items() if k[0].startswith("namedprocess_namegroup_thread_")
                             and dict(k[1])["groupname"] == py}
        assert threads(ours) and threads(ours) == threads(after)
        assert sum(v for k, v in threads(ours).items() if k[0] == "namedprocess_namegroup_thread_count") == THREADS + 1
        pss = ours[("namedprocess_namegroup_memory_bytes", (("groupname", py), ("memtype", "proportionalResident")))]
        assert 0 < pss <= ours[("namedprocess_namegroup_memory_bytes", (("groupname", py), ("memtype", "resident")))]
