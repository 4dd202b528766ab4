"""Shared fixtures for the integration tests: they run the real `noa-agent` binary and real peers
(Debian's prometheus-node-exporter and promtool) on loopback ports, never anything else."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

AGENT_BIN = os.environ.get("NOA_AGENT_BIN", os.path.join(os.path.dirname(__file__), "../../.build/debug/noa-agent"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, headers=None, timeout=10):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def wait_for_http(url, timeout=20, process=None):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode} before serving {url}")
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
