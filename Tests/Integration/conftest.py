"""Shared fixtures for the integration tests: they run the real `noa-agent` binary and real peers
(Debian's prometheus-node-exporter and promtool) on loopback ports, never anything else."""
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

AGENT_BIN = os.environ.get("NOA_AGENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/noa-agent"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_root: needs root for what the test does around the agent (not for the agent itself); "
        "`make test` runs the rest as an unprivileged user and these as root")
    # run-unprivileged.sh sets this: a run meant to prove the agent works without root must not pass as root.
    if os.environ.get("NOA_TEST_UNPRIVILEGED") and os.geteuid() == 0:
        raise pytest.UsageError("NOA_TEST_UNPRIVILEGED is set but the tests run as root")


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


_given = set()


def free_port():
    """A free loopback port below the kernel's ephemeral range. A port the kernel hands out for bind(0) comes from
    that range, which outgoing connections (the agent's clients, the tests' own) also draw their source ports from:
    one of them could take it between this check and the agent's bind, and the agent would exit on EADDRINUSE."""
    low, _ = _ephemeral_range()
    top = max(low - 1, 2048)
    for _ in range(1000):
        port = random.randint(max(1024, top - 12000), top)
        if port in _given:
            continue
        with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                tcp.bind(("127.0.0.1", port))
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError("no free loopback port below the ephemeral range")


def http_get(url, headers=None, timeout=10):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def wait_for_http(url, timeout=20, process=None):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            log = ""
            stderr = getattr(process, "stderr_path", None)
            if stderr and os.path.exists(stderr):
                with open(stderr, "rb") as f:
                    log = f.read().decode("utf-8", "replace")[-2000:]
            raise AssertionError(f"process exited with {process.returncode} before serving {url}\n{log}")
        try:
            return http_get(url, timeout=2)
        except Exception as error:  # not listening yet
            last = error
            time.sleep(0.1)
    raise AssertionError(f"{url} not serving after {timeout}s: {last}")


class Agent:
    """One noa-agent process with its config file, stderr captured to a file."""

    def __init__(self, config_text, env=None):
        self.dir = tempfile.mkdtemp(prefix="noa-it-")
        self.config_path = os.path.join(self.dir, "agent.yaml")
        self.write_config(config_text)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.env = dict(os.environ, **(env or {}))
        self.process = None

    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def start(self):
        self.stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(
            [AGENT_BIN, "run", "--config", self.config_path], stdout=subprocess.DEVNULL, stderr=self.stderr,
            env=self.env)
        self.process.stderr_path = self.stderr_path  # for wait_for_http's message when the agent exits early
        return self

    def log(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def signal(self, sig):
        self.process.send_signal(sig)

    def stop(self, timeout=20):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None


@pytest.fixture
def agent_factory():
    agents = []

    def make(config_text, env=None):
        agent = Agent(config_text, env)
        agents.append(agent)
        return agent

    yield make
    for agent in agents:
        agent.stop()
        shutil.rmtree(agent.dir, ignore_errors=True)


def host_config(port, collectors=None, root="/"):
    lines = ["sources:", "  host:", "    type: host_metrics", f"    root: {root}"]
    if collectors is not None:
        lines.append(f"    collectors: [{', '.join(collectors)}]")
    lines += ["sinks:", "  prom:", "    type: prometheus", f"    listen: 127.0.0.1:{port}", "    inputs: [host]", ""]
    return "\n".join(lines)


@pytest.fixture
def node_exporter():
    """Debian's prometheus-node-exporter on a loopback port (default collectors)."""
    binary = "/usr/bin/prometheus-node-exporter"
    if not os.path.exists(binary):
        pytest.fail("prometheus-node-exporter is not installed: run `make test-deps`")
    port = free_port()
    process = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for_http(url, process=process)
    yield url
    process.terminate()
    process.wait(timeout=10)
