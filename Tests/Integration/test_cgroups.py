"""The `cgroups` source on this machine's real cgroup layout: a cgroup made for the test appears with its `unit`
label, its CPU and its memory, and is gone from the first scrape after it is removed."""
import os
import re
import subprocess
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families as parse_text

from conftest import free_port, http_get, wait_for_http

SLICE = "/noa-test.slice"
CONTROLLERS = ("cpu", "cpuacct", "memory", "blkio", "pids", "name=systemd")


def hierarchies():
    """Mount points of the hierarchies the source reads: cgroup2, and v1 ones with its controllers."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, options = fields[sep + 1], fields[sep + 3].split(",")
            if fstype == "cgroup2" or (fstype == "cgroup" and any(c in options for c in CONTROLLERS)):
                found.append(fields[4])
    return found


def series(text):
    out = {}
    for family in parse_text(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def for_id(all_series, name, cgroup):
    return [(dict(labels), value) for (n, labels), value in all_series.items()
            if n == name and dict(labels).get("id") == cgroup]


def memory_usage_file(cgroup):
    """The memory the kernel charges to the cgroup, from whichever hierarchy holds the memory controller."""
    for h in hierarchies():
        for name in ("memory.usage_in_bytes", "memory.current"):
            path = f"{h}{cgroup}/{name}"
            if os.path.exists(path):
                with open(path) as f:
                    return int(f.read())
    return None


class ProbeCgroup:
    """A cgroup in every hierarchy the source reads, with a busy process in it; removed however the test ends."""

    def __init__(self):
        self.path = f"{SLICE}/noa-probe-{os.getpid()}.service"
        self.roots = hierarchies()
        self.process = None

    def __enter__(self):
        for root in self.roots:
            os.makedirs(root + self.path, exist_ok=True)
        # The child moves itself into every hierarchy, touches 96 MiB and gives it back (so the peak is far above
        # the usage, and reporting one for the other is caught), then spins holding 32 MiB.
        joins = "; ".join(f"echo $$ > {root}{self.path}/cgroup.procs" for root in self.roots)
        program = "a = bytearray(96 << 20)\ndel a\nb = bytearray(32 << 20)\nwhile True: pass"
        self.process = subprocess.Popen(["sh", "-c", f"{joins}; exec python3 -c \"{program}\""])
        deadline = time.time() + 10
        while time.time() < deadline:
            with open(f"{self.roots[0]}{self.path}/cgroup.procs") as f:
                usage = memory_usage_file(self.path) or 0
                if f.read().split() == [str(self.process.pid)] and 30 << 20 < usage < 80 << 20:
                    return self
            time.sleep(0.05)
        raise AssertionError("the test process did not join its cgroup")

    def stop_process(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def remove(self):
        self.stop_process()
        for root in self.roots:
            for path in (root + self.path, root + SLICE):
                for _ in range(50):  # a killed process leaves its cgroup a moment later
                    try:
                        os.rmdir(path)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.05)

    def __exit__(self, *exc):
        self.remove()


def cgroups_config(port, include):
    return "\n".join([
        "sources:", "  units:", "    type: cgroups", "    root: /", f"    include: {include}",
        "sinks:", "  prom:", "    type: prometheus", f"    listen: 127.0.0.1:{port}", "    inputs: [units]", ""])


@pytest.mark.needs_root
def test_a_unit_cgroup_appears_with_its_usage_and_leaves_when_removed(agent_factory):
    port = free_port()
    agent = agent_factory(cgroups_config(port, '["/", "/noa-test.slice/*"]')).start()
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(url, process=agent.process)
    cgroup = ProbeCgroup()
    try:
        with cgroup:
            time.sleep(0.5)  # some CPU time to count
            memory_before = memory_usage_file(cgroup.path)
            _, _, body = http_get(url)
            memory_after = memory_usage_file(cgroup.path)
            found = series(body.decode())
            cpu = for_id(found, "container_cpu_usage_seconds_total", cgroup.path)
            assert len(cpu) == 1, f"{cgroup.path} not in the scrape: {sorted({dict(l).get('id') for (_, l) in found})}"
            labels, value = cpu[0]
            assert labels["unit"] == os.path.basename(cgroup.path)
            assert labels["cpu"] == "total"
            assert value > 0
            (labels, usage), = for_id(found, "container_memory_usage_bytes", cgroup.path)
            # The file moves between our reads and the agent's: its value must lie within them (give or take a page
            # or two of the python interpreter's own allocations).
            low, high = sorted((memory_before, memory_after))
            assert low - (1 << 20) <= usage <= high + (1 << 20), (usage, memory_before, memory_after)
            assert usage > 30 << 20
            (_, processes), = for_id(found, "container_processes", cgroup.path)
            assert processes == 1
            assert for_id(found, "container_memory_working_set_bytes", cgroup.path)
            assert for_id(found, "container_cpu_usage_seconds_total", "/")
            # The slice is not selected ("/noa-test.slice/*" starts below it).
            assert not for_id(found, "container_cpu_usage_seconds_total", SLICE)
        # Removed: gone from the very next scrape.
        _, _, body = http_get(url)
        gone = series(body.decode())
        assert not [k for k in gone if dict(k[1]).get("id") == cgroup.path]
        assert for_id(gone, "container_cpu_usage_seconds_total", "/")
        success = [v for (n, l), v in gone.items() if n == "node_scrape_collector_success" and dict(l) == {"collector": "cgroups"}]
        assert success == [1.0]
        assert "warning" not in agent.log().lower(), agent.log()
    finally:
        cgroup.remove()
        for root in hierarchies():
            assert not os.path.exists(root + cgroup.path)
