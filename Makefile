# noa-agent: the front door. `make run` and `make test` install what is missing, build, and run.
SHELL := /bin/bash
SWIFT ?= swift
PREFIX ?= /usr/local
# Debian packages needed to build (libsystemd for the journal source, zlib and libdeflate for gzip).
BUILD_DEBS := pkg-config libsystemd-dev zlib1g-dev libdeflate-dev
# Debian packages the tests use as real peers: promtool (prometheus), node_exporter and process-exporter for parity checks,
# systemd-journal-remote to write real journal files from the Journal Export Format.
TEST_DEBS := prometheus prometheus-node-exporter prometheus-process-exporter python3-venv systemd-journal-remote
# Debian's python3 (with python3-venv, in TEST_DEBS), not whichever python3 comes first in PATH: the venv is copied
# for the unprivileged run (see integration-test), so its interpreter must be one every user can run.
PYTHON ?= /usr/bin/python3
VENV := .build-venv
# The unprivileged user the integration tests run as when `make test` runs as root.
NOA_TEST_USER ?= noa-test

.PHONY: generate-otlp all deps test-deps test-debs venv build release run test unit-test integration-test bench bench-statsd bench-otlp bench-journal deb clean

all: build

# Installs the Debian packages in $(1) that are not installed yet (apt-get update once, only when needed).
define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call install_debs,$(BUILD_DEBS))

test-deps: deps test-debs venv

test-debs:
	$(call install_debs,$(TEST_DEBS))

# The tests' Python packages (pytest, the prometheus_client parser, the statsd and datadog clients), in a venv
# under the git-ignored .build-venv made from $(PYTHON) (remade if it was made from another interpreter),
# reinstalled whenever requirements.txt changes.
venv:
	@if [ -e $(VENV)/bin/python ] && [ "$$(readlink -f $(VENV)/bin/python)" != "$$(readlink -f $(PYTHON))" ]; then \
		echo "remaking $(VENV) from $(PYTHON) (it was made from $$(readlink -f $(VENV)/bin/python))"; rm -rf $(VENV); \
	fi
	@$(MAKE) --no-print-directory $(VENV)/.installed

$(VENV)/.installed: Tests/Integration/requirements.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r Tests/Integration/requirements.txt
	@touch $@

build: deps
	$(SWIFT) build

# Every function in its own section, so that the linker can group the ones the agent runs
# (packaging/noa-agent.order and noa-agent-hot.ld, see packaging/symbol-order.sh): a smaller resident set.
RELEASE_FLAGS = -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections

release: deps
	$(SWIFT) build -c release --static-swift-stdlib $(RELEASE_FLAGS)

# Starts the agent on its built-in default config (or /etc/noa-agent/agent.yaml if present): metrics on :9464/metrics.
run: release
	./.build/release/noa-agent run $(ARGS)

unit-test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# As root, the suite runs as the unprivileged system user $(NOA_TEST_USER) (created if missing), as the .deb runs
# the agent, from a readable copy (Tests/Integration/run-unprivileged.sh); then the few tests marked needs_root
# run as root. As any other user, it all runs as that user (the needs_root tests skip).
integration-test: test-deps build
	@if [ "$$(id -u)" = 0 ]; then \
		NOA_TEST_USER=$(NOA_TEST_USER) NOA_AGENT_BIN=$(CURDIR)/.build/debug/noa-agent VENV=$(CURDIR)/$(VENV) \
			Tests/Integration/run-unprivileged.sh && \
		echo "integration tests that need root, as root" && \
		NOA_AGENT_BIN=$(CURDIR)/.build/debug/noa-agent $(VENV)/bin/python -m pytest -q -m needs_root Tests/Integration; \
	else \
		NOA_AGENT_BIN=$(CURDIR)/.build/debug/noa-agent $(VENV)/bin/python -m pytest -q Tests/Integration; \
	fi

test: test-deps unit-test integration-test

# Scrape cost against node_exporter, side by side: see bench/README.md.
bench: test-deps release
	$(VENV)/bin/python bench/scrape_cost.py

# StatsD UDP throughput against collectd, netdata and a bare recvmmsg loop: see bench/README.md.
bench-statsd: release
	bench/statsd_throughput.py

# Spans per second through OTLP in -> OTLP out on one core: see bench/README.md.
bench-otlp: test-deps release
	$(VENV)/bin/python bench/otlp_throughput.py

# Journal shipping rate against `journalctl -o json`: see bench/README.md.
bench-journal: test-deps release
	$(VENV)/bin/python bench/journal_throughput.py

# A .deb with the static-stdlib binary, the systemd unit and /etc/noa-agent/agent.yaml.
deb: release
	packaging/build-deb.sh

clean:
	rm -rf .build $(VENV) dist

# Regenerates Sources/NoaOTLPReference/Generated from Protos/ (the OTLP .proto files, written from the OTLP specification).
# Run only when a .proto changes; the generated code is committed, so builds need neither protoc nor the plugin.
# Needs Debian's protoc (protobuf-compiler) and protoc-gen-swift of the same swift-protobuf version the package
# uses (1.39.0), built once in a scratch package: `swift build -c release --product protoc-gen-swift`.
PROTOC_GEN_SWIFT ?= /tmp/protoc-gen/.build/release/protoc-gen-swift
generate-otlp:
	$(call install_debs,protobuf-compiler)
	rm -f Sources/NoaOTLPReference/Generated/*.pb.swift
	cd Protos && protoc --plugin=protoc-gen-swift=$(PROTOC_GEN_SWIFT) \
		--swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
		--swift_out=../Sources/NoaOTLPReference/Generated $$(find opentelemetry -name '*.proto' | sort)
