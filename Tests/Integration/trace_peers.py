"""Test-side peers for the trace tests: a "Jaeger-side" OTLP/HTTP receiver and a "Zipkin-side" receiver on
127.0.0.1 that keep what the agent exports, decoded with opentelemetry-proto; and helpers that build the agent's
config and read its /metrics."""
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from prometheus_client.parser import text_string_to_metric_families


class Upstream:
    """One HTTP server playing both destinations: `POST /v1/traces` (OTLP protobuf, as Jaeger takes it) and
    `POST /api/v2/spans` (Zipkin v2 JSON). `down()` makes it answer 503 with Retry-After until `up()`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.otlp = []  # ExportTraceServiceRequest, one per accepted request
        self.zipkin = []  # Zipkin span dicts
        self.headers = []  # (path, {header: value}) of every accepted request
        self.refused = 0
        self.is_down = False
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with upstream.lock:
                    down = upstream.is_down
                    if down:
                        upstream.refused += 1
                if down:
                    self.answer(503, b"down", "text/plain", {"Retry-After": "1"})
                    return
                if self.path == "/v1/traces":
                    request = ExportTraceServiceRequest()
                    request.ParseFromString(body)
                    with upstream.lock:
                        upstream.otlp.append(request)
                        upstream.headers.append((self.path, dict(self.headers)))
                    self.answer(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")
                elif self.path == "/api/v2/spans":
                    spans = json.loads(body)
                    with upstream.lock:
                        upstream.zipkin.extend(spans)
                        upstream.headers.append((self.path, dict(self.headers)))
                    self.answer(202, b"", "text/plain")
                else:
                    self.answer(404, b"not found", "text/plain")

            def answer(self, code, body, content_type, extra=None):
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def down(self):
        with self.lock:
            self.is_down = True

    def up(self):
        with self.lock:
            self.is_down = False

    def otlp_spans(self):
        """(resource, scope, span) for every span received over OTLP."""
        with self.lock:
            requests = list(self.otlp)
        out = []
        for request in requests:
            for rs in request.resource_spans:
                for ss in rs.scope_spans:
                    for span in ss.spans:
                        out.append((rs.resource, ss.scope, span))
        return out

    def zipkin_spans(self):
        with self.lock:
            return list(self.zipkin)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def attributes(key_values):
    """OTLP KeyValues as a plain dict of Python values."""
    return {kv.key: any_value(kv.value) for kv in key_values}


def any_value(v):
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return attributes(v.kvlist_value.values)
    if kind is None:
        return None
    return getattr(v, kind)


def metric_samples(text):
    """{(name, frozenset(labels)): value} from a Prometheus exposition."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def find(samples, name, **labels):
    """Values of the series called `name` whose labels include `labels`."""
    want = set(labels.items())
    return [value for (n, ls), value in samples.items() if n == name and want <= set(ls)]
