"""The agent as systemd runs it: READY/STOPPING over NOTIFY_SOCKET, journal priority prefixes, SIGHUP reload
(an invalid file keeps the running config), SIGTERM drains and exits 0."""
import os
import signal
import socket
import time

from conftest import free_port, host_config, http_get, wait_for_http


def test_notify_reload_and_clean_shutdown(agent_factory, tmp_path):
    notify_path = str(tmp_path / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(20)

    port = free_port()
    agent = agent_factory(
        host_config(port, collectors=["loadavg"]),
        env={"NOTIFY_SOCKET": notify_path, "JOURNAL_STREAM": "8:12345"}).start()
    url = f"http://127.0.0.1:{port}/metrics"

    ready = notify.recv(4096).decode()
    assert ready.startswith("READY=1"), ready
    _, _, body = http_get(url)
    text = body.decode()
    assert "node_load1 " in text
    assert 'node_scrape_collector_success{collector="loadavg"} 1' in text

    # An invalid file: logged, counted, and the running config stays.
    agent.write_config("sources:\n  host: {type: host_metrics, bogus: 1}\nsinks: {}\n")
    agent.signal(signal.SIGHUP)
    assert notify.recv(4096).decode().startswith("RELOADING=1")
    assert notify.recv(4096).decode().startswith("READY=1")
    text = http_get(url)[2].decode()
    assert 'noa_config_reloads_total{result="failure"} 1' in text
    assert "noa_config_last_reload_successful 0" in text
    assert "node_load1 " in text

    # A valid file with another collector set: served on the same socket from the next scrape.
    agent.write_config(host_config(port, collectors=["loadavg", "meminfo"]))
    agent.signal(signal.SIGHUP)
    assert notify.recv(4096).decode().startswith("RELOADING=1")
    assert notify.recv(4096).decode().startswith("READY=1")
    text = http_get(url)[2].decode()
    assert 'noa_config_reloads_total{result="success"} 1' in text
    assert 'node_scrape_collector_success{collector="meminfo"}' in text

    assert agent.stop() == 0
    assert notify.recv(4096).decode() == "STOPPING=1"
    log = agent.log()
    # Under systemd (JOURNAL_STREAM set) every line carries its syslog priority.
    lines = [line for line in log.splitlines() if line]
    assert lines and all(line.startswith("<") for line in lines), log
    assert any(line.startswith("<3>") and "invalid" in line for line in lines), log
    assert any(line.startswith("<6>") and "reloaded" in line for line in lines), log


def test_sigint_also_drains(agent_factory):
    port = free_port()
    agent = agent_factory(host_config(port, collectors=["loadavg"])).start()
    wait_for_http(f"http://127.0.0.1:{port}/metrics", process=agent.process)
    agent.signal(signal.SIGINT)
    assert agent.process.wait(timeout=20) == 0
    # Without JOURNAL_STREAM, lines carry a timestamp instead of a priority.
    assert agent.log().splitlines()[0][:4].isdigit()


def test_port_in_use_is_a_clear_error(agent_factory):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        agent = agent_factory(host_config(port, collectors=["loadavg"])).start()
        assert agent.process.wait(timeout=20) != 0
        assert f"cannot listen on 127.0.0.1:{port}" in agent.log()


def test_watchdog_pings_at_half_the_period(agent_factory, tmp_path):
    notify_path = str(tmp_path / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(10)
    port = free_port()
    # WATCHDOG_USEC=400000: systemd expects a ping within 0.4 s; the agent pings every 0.2 s.
    agent = agent_factory(host_config(port, collectors=["loadavg"]),
                          env={"NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": "400000"}).start()
    messages = []
    start = time.time()
    while len([m for m in messages if m == "WATCHDOG=1"]) < 5:
        messages.append(notify.recv(4096).decode())
    elapsed = time.time() - start
    assert any(m.startswith("READY=1") for m in messages)
    assert elapsed < 3, elapsed
    assert agent.stop() == 0


def test_libsystemd_is_loaded_only_by_the_journal_reader(agent_factory):
    """The agent process maps no libsystemd (nor the libraries it pulls in): only the journal reader child loads
    it, on first use (Sources/CSystemd). Linked, it cost every agent about 0.8 MB of resident memory."""
    port = free_port()
    agent = agent_factory(host_config(port, collectors=["loadavg"])).start()
    wait_for_http(f"http://127.0.0.1:{port}/metrics", process=agent.process)
    with open(f"/proc/{agent.process.pid}/maps") as f:
        maps = f.read()
    assert "libc.so" in maps
    assert "libsystemd" not in maps and "libgcrypt" not in maps


def test_a_reload_sent_the_moment_ready_arrives_is_not_fatal(agent_factory, tmp_path):
    """systemd may send SIGHUP (`systemctl reload`) as soon as READY=1 arrives: the handler must already be in
    place then, or SIGHUP's default action kills the agent. Tried several times, as the window is short."""
    for attempt in range(5):
        notify_path = str(tmp_path / f"notify-{attempt}.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.settimeout(20)
        agent = agent_factory(
            host_config(free_port(), collectors=["loadavg"]), env={"NOTIFY_SOCKET": notify_path}).start()
        assert notify.recv(4096).decode().startswith("READY=1")
        agent.signal(signal.SIGHUP)
        try:
            assert notify.recv(4096).decode().startswith("RELOADING=1")
        except TimeoutError:
            raise AssertionError(f"no RELOADING=1 on attempt {attempt}; agent exit code {agent.process.poll()}")
        assert notify.recv(4096).decode().startswith("READY=1")
        assert agent.process.poll() is None
        agent.stop()
        notify.close()
