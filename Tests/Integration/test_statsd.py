"""StatsD and DogStatsD through the agent, sent by the real PyPI clients (`statsd`, `datadog`), read back from
/metrics: exact sums, gauges, histogram counts and sums, set sizes, tags as labels, statsd_exporter mappings."""
import os
import socket
import time

import pytest
from datadog import DogStatsd
from prometheus_client.parser import text_string_to_metric_families as parse_text
from statsd import StatsClient, TCPStatsClient

from conftest import free_port, http_get, wait_for_http


def statsd_config(http_port, udp_port, tcp_port=None, unix_path=None, mapping_file=None, extra=""):
    listen = [f"udp://127.0.0.1:{udp_port}"]
    if tcp_port:
        listen.append(f"tcp://127.0.0.1:{tcp_port}")
    if unix_path:
        listen.append(f"unixgram://{unix_path}")
    lines = ["sources:", "  statsd:", "    type: statsd", f"    listen: [{', '.join(listen)}]"]
    if mapping_file:
        lines.append(f"    mapping_file: {mapping_file}")
    lines.append(extra) if extra else None
    lines += ["sinks:", "  prom:", "    type: prometheus", f"    listen: 127.0.0.1:{http_port}", "    inputs: [statsd]", ""]
    return "\n".join(lines)


def samples(url):
    """{(sample name, frozenset(labels)): value} of every sample on the endpoint."""
    result = {}
    for family in parse_text(http_get(url)[2].decode()):
        for sample in family.samples:
            result[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return result


def value(url, name, **labels):
    return samples(url).get((name, frozenset(labels.items())))


def wait_value(url, name, expected, timeout=10, **labels):
    """UDP is asynchronous: poll until the agent has counted what was sent."""
    deadline = time.time() + timeout
    current = None
    while time.time() < deadline:
        current = value(url, name, **labels)
        if current == expected:
            return current
        time.sleep(0.05)
    return current


@pytest.fixture
def statsd_agent(agent_factory, tmp_path):
    def start(**kwargs):
        http_port, udp_port = free_port(), free_port()
        agent = agent_factory(statsd_config(http_port, udp_port, **kwargs)).start()
        url = f"http://127.0.0.1:{http_port}/metrics"
        wait_for_http(url, process=agent.process)
        return agent, url, udp_port
    return start


def test_statsd_client_counters_gauges_timers_sets(statsd_agent):
    agent, url, port = statsd_agent()
    client = StatsClient("127.0.0.1", port, prefix="app")
    for _ in range(10):
        client.incr("requests")
    client.incr("bytes", 250)
    client.gauge("temperature", 20)
    client.gauge("temperature", 5, delta=True)
    client.gauge("temperature", -3, delta=True)
    for ms in (150, 30, 70):
        client.timing("latency", ms)
    for user in ("alice", "bob", "alice"):
        client.set("users", user)

    # One client socket to one listener: datagrams are counted in the order they were sent, so once the last
    # one (the set) shows, every earlier one has been counted. The listener may hold a burst for `batch_wait`
    # before it reads it, so nothing earlier can be read without this wait.
    assert wait_value(url, "app_users", 2) == 2
    assert value(url, "app_requests_total") == 10
    assert value(url, "app_bytes_total") == 250
    assert value(url, "app_temperature") == 22
    # Timers are summaries unless a mapping says otherwise (statsd_exporter's default), in seconds.
    assert value(url, "app_latency_count") == 3
    assert value(url, "app_latency_sum") == pytest.approx(0.25)
    assert value(url, "app_latency", quantile="0.5") == pytest.approx(0.07)
    assert 0.07 < value(url, "app_latency", quantile="0.9") <= 0.15


def test_histograms_through_mapping_defaults(statsd_agent, tmp_path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("defaults:\n  observer_type: histogram\n")
    agent, url, port = statsd_agent(mapping_file=mapping)
    client = StatsClient("127.0.0.1", port, prefix="app")
    for ms in (150, 30, 70):
        client.timing("latency", ms)
    assert wait_value(url, "app_latency_count", 3) == 3
    assert value(url, "app_latency_sum") == pytest.approx(0.25)
    assert value(url, "app_latency_bucket", le="0.05") == 1
    assert value(url, "app_latency_bucket", le="0.1") == 2
    assert value(url, "app_latency_bucket", le="0.25") == 3
    assert value(url, "app_latency_bucket", le="+Inf") == 3


def test_sample_rate_scales_counts_and_bad_lines_spoil_nothing(statsd_agent):
    agent, url, port = statsd_agent()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        # One datagram: two good lines around three bad ones.
        s.sendto(b"sampled:1|c|@0.1\nnovalue|c\nbadtype:1|x\nnotanumber:abc|c\nafter:2|c", ("127.0.0.1", port))
    assert wait_value(url, "sampled_total", 10) == 10
    assert value(url, "after_total") == 2
    errors = {dict(labels).get("reason"): v for (name, labels), v in samples(url).items()
              if name == "noa_statsd_parse_errors_total"}
    assert sum(errors.values()) == 3, errors


def test_dogstatsd_tags_events_and_service_checks(statsd_agent):
    agent, url, port = statsd_agent()
    client = DogStatsd(host="127.0.0.1", port=port, disable_telemetry=True, disable_buffering=True)
    for _ in range(3):
        client.increment("page.views", tags=["env:prod", "region:eu"])
    client.increment("page.views", tags=["env:dev", "region:eu"])
    client.histogram("db.query", 0.5, tags=["db:users"])
    client.histogram("db.query", 1.5, tags=["db:users"])
    client.distribution("payload.size", 300, tags=["db:users"])
    client.event("Deploy", "v1.2 rolled out", alert_type="info", tags=["env:prod"])
    client.service_check("app.health", 0, tags=["env:prod"])

    # The service check was sent last: once it is counted, so is everything before it (see the first test).
    assert wait_value(url, "noa_statsd_service_checks_total", 1, component_id="statsd") == 1
    assert value(url, "page_views_total", env="prod", region="eu") == 3
    assert value(url, "page_views_total", env="dev", region="eu") == 1
    assert value(url, "db_query_count", db="users") == 2
    assert value(url, "db_query_sum", db="users") == pytest.approx(2.0)
    assert value(url, "payload_size_count", db="users") == 1
    events = [v for (name, _), v in samples(url).items() if name == "noa_statsd_events_total"]
    assert sum(events) == 1


def test_statsd_exporter_mapping_file(statsd_agent, tmp_path):
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(r'''
mappings:
- match: "test.dispatcher.*.*.*"
  name: "dispatcher_events_total"
  labels:
    processor: "$1"
    action: "$2"
    outcome: "$3"
    job: "test_dispatcher"
- match: "*.signup.*.*"
  name: "signup_events_total"
  labels:
    provider: "$2"
    outcome: "$3"
    job: "${1}_server"
- match: '(.*)\.(.*)--(.*)\.status\.(.*)\.count'
  match_type: regex
  name: "request_total"
  labels:
    hostname: "$1"
    exec: "$2"
    protocol: "$3"
    code: "$4"
- match: "junk.*"
  action: drop
''')
    agent, url, port = statsd_agent(mapping_file=mapping)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for line in (b"test.dispatcher.FooProcessor.send.success:1|c",
                     b"test.dispatcher.FooProcessor.send.success:1|c",
                     b"foo_product.signup.facebook.failure:1|c",
                     b"host1.api--http.status.200.count:4|c",
                     b"junk.anything:1|c",
                     b"last.line:1|c"):
            s.sendto(line, ("127.0.0.1", port))
    # Counted in the order sent: once the last line shows, the dropped `junk` line has been seen too.
    assert wait_value(url, "last_line_total", 1) == 1
    assert value(url, "dispatcher_events_total", processor="FooProcessor", action="send",
                 outcome="success", job="test_dispatcher") == 2
    assert value(url, "signup_events_total", provider="facebook", outcome="failure", job="foo_product_server") == 1
    assert value(url, "request_total", hostname="host1", exec="api", protocol="http", code="200") == 4
    assert not [name for name, _ in samples(url) if name.startswith("junk")]


def test_tcp_and_unix_datagram_listeners(agent_factory, tmp_path):
    http_port, udp_port, tcp_port = free_port(), free_port(), free_port()
    unix_path = str(tmp_path / "statsd.sock")
    agent = agent_factory(statsd_config(http_port, udp_port, tcp_port=tcp_port, unix_path=unix_path)).start()
    url = f"http://127.0.0.1:{http_port}/metrics"
    wait_for_http(url, process=agent.process)
    tcp = TCPStatsClient("127.0.0.1", tcp_port)
    for _ in range(5):
        tcp.incr("over.tcp")
    tcp.close()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"over.unix:7|c", unix_path)
    assert wait_value(url, "over_tcp_total", 5) == 5
    assert wait_value(url, "over_unix_total", 7) == 7


def test_loss_accounting_is_exact(statsd_agent):
    """Lines sent = lines counted + lines the agent reports dropped (kernel or its own)."""
    agent, url, port = statsd_agent()
    sent = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(2000):
            s.sendto(b"\n".join([b"loss.check:1|c"] * 20), ("127.0.0.1", port))
            sent += 20
    deadline = time.time() + 10
    while time.time() < deadline:
        snapshot = samples(url)
        counted = snapshot.get(("loss_check_total", frozenset()), 0)
        kernel = sum(v for (name, _), v in snapshot.items() if name == "noa_statsd_kernel_drops_total") * 20
        dropped = sum(v for (name, _), v in snapshot.items() if name == "noa_statsd_dropped_total")
        if counted + kernel + dropped == sent:
            break
        time.sleep(0.1)
    assert counted + kernel + dropped == sent, (counted, kernel, dropped, sent)


def _unified_cgroup_root():
    for root in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(root, "cgroup.procs")) and os.access(root, os.W_OK):
            with open("/proc/self/cgroup") as f:
                if any(line.startswith("0::") for line in f):
                    return root
    return None


# Root: the test makes a cgroup (a stand-in for a systemd unit) and moves its sender into it; the agent itself reads
# only /proc/<pid>/cgroup, which any user can.
@pytest.mark.needs_root
def test_unix_socket_sender_unit_becomes_a_label(agent_factory, tmp_path):
    """A sender in `noa-origin-test.service` (a real cgroup v2 group made for the test) gets unit="..." on its
    series; a sender outside any unit gets no label."""
    cgroup_root = _unified_cgroup_root()
    if cgroup_root is None:
        pytest.skip("needs root and a writable cgroup v2 hierarchy")
    import subprocess
    import sys
    http_port, udp_port = free_port(), free_port()
    unix_path = str(tmp_path / "statsd.sock")
    agent = agent_factory(statsd_config(http_port, udp_port, unix_path=unix_path,
                                        extra="    origin_unit_label: unit")).start()
    url = f"http://127.0.0.1:{http_port}/metrics"
    wait_for_http(url, process=agent.process)

    group = os.path.join(cgroup_root, f"noa-origin-test-{os.getpid()}.service")
    os.mkdir(group)
    try:
        # The sender waits to be moved into the group before sending, and stays alive until the agent has
        # counted its line: the agent looks its pid up in /proc when the datagram arrives.
        sender = subprocess.Popen(
            [sys.executable, "-c",
             "import socket, sys; sys.stdin.readline(); "
             f"s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'from.unit:1|c', {unix_path!r}); "
             "sys.stdin.readline()"],
            stdin=subprocess.PIPE)
        with open(os.path.join(group, "cgroup.procs"), "w") as procs:
            procs.write(str(sender.pid))
        sender.stdin.write(b"go\n")
        sender.stdin.flush()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"from.nowhere:1|c", unix_path)
        unit = os.path.basename(group)
        try:
            assert wait_value(url, "from_unit_total", 1, unit=unit) == 1
        finally:
            sender.communicate(b"done\n", timeout=10)
        # This test's own process: labelled with its unit if it runs inside one (CI under systemd), else not.
        with open("/proc/self/cgroup") as f:
            path = next(line.split("::", 1)[1].strip() for line in f if line.startswith("0::"))
        own = [part for part in path.split("/") if part.endswith((".service", ".scope"))]
        labels = {"unit": own[-1]} if own else {}
        assert wait_value(url, "from_nowhere_total", 1, **labels) == 1
    finally:
        os.rmdir(group)


def test_reload_keeps_series_and_picks_up_an_edited_mapping_file(agent_factory, tmp_path):
    import signal as signals
    mapping = tmp_path / "mapping.yml"
    mapping.write_text('mappings:\n- match: "svc.*.hits"\n  name: "hits_total"\n  labels: {service: "$1"}\n')
    http_port, udp_port = free_port(), free_port()
    agent = agent_factory(statsd_config(http_port, udp_port, mapping_file=mapping)).start()
    url = f"http://127.0.0.1:{http_port}/metrics"
    wait_for_http(url, process=agent.process)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"svc.api.hits:3|c", ("127.0.0.1", udp_port))
        assert wait_value(url, "hits_total", 3, service="api") == 3
        # Same config: a reload keeps the running source and its series.
        agent.signal(signals.SIGHUP)
        time.sleep(0.5)
        assert value(url, "hits_total", service="api") == 3
        # An edited mapping file: the source restarts with the new mapping.
        mapping.write_text('mappings:\n- match: "svc.*.hits"\n  name: "requests_total"\n  labels: {app: "$1"}\n')
        agent.signal(signals.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            s.sendto(b"svc.web.hits:1|c", ("127.0.0.1", udp_port))
            if value(url, "requests_total", app="web"):
                break
            time.sleep(0.1)
        assert value(url, "requests_total", app="web") >= 1
    assert 'noa_config_reloads_total{result="success"} 2' in http_get(url)[2].decode()
