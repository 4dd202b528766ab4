#!/usr/bin/env bash
# Runs the integration suite as an unprivileged system user (NOA_TEST_USER, default noa-test, created with
# `useradd --system` if missing), as the .deb runs the agent: an agent that only works as root must fail here.
# Run as root (`make test` does when it runs as root). Arguments go to pytest and replace the default target, the
# whole suite; paths are relative to the copy, e.g. `run-unprivileged.sh Integration/test_cli.py -x`.
#
# The clone may sit where that user can't read (a home directory only root can enter), so the binary, the tests,
# probes/ and the tests' venv are copied into a fresh world-readable directory under /tmp, removed afterwards.
# Tests marked needs_root are left out: `make integration-test` runs them as root after this.
set -euo pipefail
user=${NOA_TEST_USER:-noa-test}
repo=$(cd "$(dirname "$0")/../.." && pwd)
agent=${NOA_AGENT_BIN:-$repo/.build/debug/noa-agent}
venv=${VENV:-$repo/.build-venv}
if [ "$(id -u)" != 0 ]; then
    echo "run-unprivileged.sh: run as root (it creates $user and switches to it)" >&2
    exit 2
fi
if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
stage=$(mktemp -d /tmp/noa-integration.XXXXXX)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$agent" "$stage/noa-agent"
cp -r "$repo/Tests/Integration" "$stage/Integration"
cp -r "$repo/probes" "$stage/probes"
cp -a "$venv" "$stage/venv"
chmod -R a+rX "$stage"
cd "$stage"
echo "integration tests as $(id -un "$user") (uid $(id -u "$user")) from $stage"
# A clean environment: nothing of root's (HOME, XDG dirs, credentials in variables) leaks into the run.
runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp LANG=C.UTF-8 \
    NOA_AGENT_BIN="$stage/noa-agent" NOA_PROBES_DIR="$stage/probes" NOA_TEST_UNPRIVILEGED=1 PYTHONDONTWRITEBYTECODE=1 \
    "$stage/venv/bin/python" -m pytest -q -p no:cacheprovider -m "not needs_root" "${@:-Integration}"
