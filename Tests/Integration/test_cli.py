"""The command line: validate reports every problem as file:line:column, version and help answer."""
import subprocess

from conftest import AGENT_BIN


def run(*args, **kwargs):
    return subprocess.run([AGENT_BIN, *args], capture_output=True, text=True, timeout=60, **kwargs)


def test_version():
    result = run("version")
    assert result.returncode == 0
    assert result.stdout.startswith("noa-agent ")


def test_help_everywhere():
    for args in (["--help"], ["run", "--help"], ["validate", "--help"], ["version", "--help"]):
        result = run(*args)
        assert result.returncode == 0, args
        assert "USAGE" in result.stdout


def test_validate_good_file(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text("sources:\n  host: {type: host_metrics}\nsinks:\n  prom: {type: prometheus, inputs: [host]}\n")
    result = run("validate", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_validate_reports_every_problem_with_position(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(
        "sources:\n"
        "  host:\n"
        "    type: host_metrics\n"
        "    collectors: [loadavg, nonsense]\n"
        "    surprise: 1\n"
        "sinks:\n"
        "  prom:\n"
        "    type: prometheus\n"
        "    listen: 127.0.0.1:99999\n"
        "    inputs: [nohost]\n")
    result = run("validate", "--config", str(path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{path}:4:27: sources.host.collectors: unknown collector 'nonsense' (known: " + lines[0].split("(known: ")[1],
        f"{path}:5:5: unknown key 'sources.host.surprise'",
        f"{path}:9:13: sinks.prom.listen: '99999' is not a port number (0-65535)",
        f"{path}:10:14: sinks.prom.inputs: no source named 'nohost' (sources: host)",
    ]


def test_validate_env_substitution(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text(
        "sources:\n  host: {type: host_metrics}\n"
        "sinks:\n  prom: {type: prometheus, listen: \"127.0.0.1:${NOA_TEST_PORT}\", inputs: [host]}\n")
    assert run("validate", "--config", str(path), env={"NOA_TEST_PORT": "9500"}).returncode == 0
    missing = run("validate", "--config", str(path), env={})
    assert missing.returncode == 1
    assert "NOA_TEST_PORT is not set" in missing.stderr


def test_run_with_invalid_config_exits_nonzero(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text("sinks: 3\n")
    result = run("run", "--config", str(path))
    assert result.returncode != 0
    assert f"{path}:1:8:" in result.stderr


def test_usage_errors_exit_64_with_usage():
    for args, message in ((["frobnicate"], "unknown command 'frobnicate'"),
                          (["run", "--nope", "x"], "unknown option '--nope'"),
                          (["validate"], "missing --config FILE")):
        result = run(*args)
        assert result.returncode == 64, args
        assert result.stderr.startswith(f"Error: {message}\n"), result.stderr
        assert "USAGE:" in result.stderr
