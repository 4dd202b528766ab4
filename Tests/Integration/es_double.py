#!/usr/bin/env python3
"""An Elasticsearch-like test receiver: the parts of the real Elasticsearch HTTP API that a log shipper talks to,
since no Elasticsearch can be installed on the machines the tests run on. Standard library only, 127.0.0.1 only.

What it follows from the real API (Elasticsearch 8.x reference: "Bulk API", "Index template API", "Data streams"):

* `POST /_bulk` and `POST /<target>/_bulk` take NDJSON: an action line (`create`, `index`, `delete`) then, except
  for `delete`, a source line; the body may be gzip-compressed (`Content-Encoding: gzip`), as Elasticsearch accepts
  when `http.compression` is on (the default). The body must end with a newline, as the real API requires.
* `create` with an `_id` that is already stored answers that item with 409 `version_conflict_engine_exception`;
  otherwise 201 `created`. `index` overwrites (200 `updated` or 201 `created`). Without `_id` a random id is made.
* The response is `{"took": N, "errors": bool, "items": [{"<op>": {"_index", "_id", "status", ...}}]}`, one item per
  action in request order, `errors` true when any item failed; failed items carry `error: {type, reason}`.
* Data streams accept only `create` (an `index` op on one is refused per item with 400
  `illegal_argument_exception`, as the real API does): a target is a data stream when an installed index template
  with `"data_stream": {}` matches its name.
* `filter_path` (comma-separated; `errors`, `took`, `items.*.status`, `items.*.error`, `items.*._id`) is honoured
  for the bulk response, the way the real API trims it.
* Every response carries `X-Elastic-Product: Elasticsearch` (real clients refuse a server without it).
* A body larger than `max_body_bytes` (Elasticsearch's `http.max_content_length`, 100mb by default) is answered
  with 413 and nothing is stored.
* `PUT /_index_template/<name>` stores a template (`{"acknowledged": true}`); `GET /_index_template/<name>` returns
  `{"index_templates": [{"name", "index_template"}]}`, or 404 when it is missing.
* `GET /` answers with cluster info (`version.number`, `tagline`).
* Authentication, when the double is given credentials: a request without a matching `Authorization` header gets
  401 `security_exception`, as a secured cluster answers.

Not the real API, for tests only, under `/_noa/`:
* `GET /_noa/docs[?index=NAME]` → `{"count": N, "docs": [{"_index", "_id", "_source"}]}` in arrival order.
* `GET /_noa/stats` → request, document, duplicate and status counters; `bulk_active`, the bulk requests being
  handled right now, and `bulk_connections`, the connections that sent a bulk request and are still open (a client
  killed mid-request leaves its request running here, and a request it wrote may still wait to be read: when both
  are 0, everything it sent has been stored or answered);
  `GET /_noa/templates` → stored templates.
* `POST /_noa/faults` with a JSON object sets fault injection (keys below); `DELETE /_noa/faults` clears them.
  - `status` (503 or 429 ...), with `requests` (the next N bulk requests) or `seconds` (for N seconds), and optional
    `retry_after` (seconds, sent as `Retry-After`): whole bulk requests are refused, nothing stored.
  - `reject_ids` [ids] and `reject_message_contains` "text": those documents get a per-item 400
    `mapper_parsing_exception` every time (a document the mapping can never take).
  - `item_429_ids` {id: times}: the first `times` attempts of each of those ids get a per-item 429
    `es_rejected_execution_exception` (a full write queue on one shard); `item_429_next` N: the next N items.
  - `delay` seconds: wait before answering each bulk request (client timeouts).
  - `drop_connection` N: close the next N bulk requests' connections without answering.
* `DELETE /_noa/docs` forgets every document, template, fault and counter.

`--tls-cert`/`--tls-key` (PEM files) serve HTTPS instead of HTTP, as a cluster with `xpack.security.http.ssl` does;
`--tls-client-ca` also requires a client certificate signed by that CA (mutual TLS). A handshake that fails (the
client refused the certificate) is counted in `/_noa/stats` as `tls_handshake_failures`.

`--fast` (for benchmarks) keeps only ids and counts, never parsing or storing the source lines.

Run standalone: `python3 es_double.py --port 9200` (port 0 picks a free one; the bound port is printed as the first
line of stdout, so a test that spawned it can read it).
"""
import argparse
import gzip
import json
import os
import random
import socket
import ssl
import string
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PRODUCT_HEADER = ("X-Elastic-Product", "Elasticsearch")


class State:
    """Everything the double stores, behind one lock (the server answers on one thread per connection)."""

    def __init__(self, fast=False, max_body_bytes=100 * 1024 * 1024, credentials=None):
        self.lock = threading.Lock()
        self.fast = fast
        self.max_body_bytes = max_body_bytes
        # Accepted Authorization header values; None accepts every request (security off).
        self.credentials = credentials
        self.reset()

    def reset(self):
        self.docs = {}  # (index, id) -> source (None in fast mode)
        self.order = []  # (index, id) in arrival order
        self.templates = {}
        self.faults = {}
        self.fault_until = 0.0
        self.stats = {
            "requests": 0, "bulk_requests": 0, "bulk_bytes": 0, "gzip_requests": 0, "items": 0, "created": 0,
            "duplicates": 0, "rejected": 0, "item_429": 0, "refused_requests": 0, "too_large": 0,
            "unauthorized": 0, "connections": 0, "tls_handshake_failures": 0, "bulk_active": 0,
            "bulk_connections": 0, "statuses": {},
        }
        self.item_429_counts = {}

    def count_status(self, status):
        key = str(status)
        self.stats["statuses"][key] = self.stats["statuses"].get(key, 0) + 1


def random_id():
    # Elasticsearch's auto ids are 20 URL-safe base64 characters.
    return "".join(random.choice(string.ascii_letters + string.digits + "-_") for _ in range(20))


def template_for(state, index):
    """The installed template whose `index_patterns` match `index` (highest priority wins, as in the real API)."""
    best = None
    for name, body in state.templates.items():
        for pattern in body.get("index_patterns", []):
            if match_pattern(pattern, index):
                if best is None or body.get("priority", 0) > best[1].get("priority", 0):
                    best = (name, body)
    return best


def match_pattern(pattern, name):
    # Index patterns use `*` as the only wildcard.
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern == name
    if not name.startswith(parts[0]) or not name.endswith(parts[-1]):
        return False
    position = len(parts[0])
    for middle in parts[1:-1]:
        found = name.find(middle, position)
        if found < 0:
            return False
        position = found + len(middle)
    return position <= len(name) - len(parts[-1])


def filter_item(op, result, filters):
    if filters is None:
        return {op: result}
    kept = {}
    for key in ("status", "error", "_id", "_index", "result"):
        if f"items.*.{key}" in filters:
            if key in result:
                kept[key] = result[key]
    return {op: kept}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Elasticsearch's HTTP layer
    server_version = "es-double"

    def log_message(self, format, *args):  # quiet: tests read /_noa/stats instead
        pass

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes: without TCP_NODELAY, Nagle holds the body until the client's
        # delayed ACK of the headers (40 ms per response on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.state.lock:
            self.server.state.stats["connections"] += 1

    def finish(self):
        try:
            super().finish()
        finally:
            if getattr(self, "sent_bulk", False):
                with self.server.state.lock:
                    self.server.state.stats["bulk_connections"] -= 1

    # --- plumbing -------------------------------------------------------------------------------------------

    def send_json(self, status, body, extra_headers=()):
        data = json.dumps(body, separators=(",", ":")).encode()
        accept = self.headers.get("Accept-Encoding", "")
        gzipped = "gzip" in accept and len(data) > 64
        if gzipped:
            data = gzip.compress(data, compresslevel=1)
        self.send_response(status)
        self.send_header(*PRODUCT_HEADER)
        self.send_header("Content-Type", "application/json")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        for name, value in extra_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        with self.server.state.lock:
            self.server.state.count_status(status)

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        data = b""
        while len(data) < length:
            chunk = self.rfile.read(length - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def error_body(self, status, type_, reason):
        return {"error": {"root_cause": [{"type": type_, "reason": reason}], "type": type_, "reason": reason},
                "status": status}

    def authorized(self):
        state = self.server.state
        if state.credentials is None:
            return True
        if self.headers.get("Authorization") in state.credentials:
            return True
        with state.lock:
            state.stats["unauthorized"] += 1
        self.send_json(401, self.error_body(401, "security_exception", "unable to authenticate user"),
                       [("WWW-Authenticate", 'ApiKey, Basic realm="security", Bearer realm="security"')])
        return False

    # --- routes ---------------------------------------------------------------------------------------------

    def do_GET(self):
        self.route("GET")

    def do_HEAD(self):
        self.route("HEAD")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        state = self.server.state
        with state.lock:
            state.stats["requests"] += 1
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query)
        if path.startswith("/_noa/"):
            body = self.read_body()
            return self.admin(method, path, query, body)
        if method in ("POST", "PUT") and (path == "/_bulk" or path.endswith("/_bulk")):
            return self.bulk(path, query)
        body = self.read_body()
        if not self.authorized():
            return
        if path == "/" and method in ("GET", "HEAD"):
            return self.send_json(200, {"name": "es-double", "cluster_name": "es-double",
                                        "version": {"number": "8.15.0", "build_flavor": "default"},
                                        "tagline": "You Know, for Search"})
        if path.startswith("/_index_template/"):
            name = path[len("/_index_template/"):]
            if method == "PUT":
                try:
                    template = json.loads(body)
                except ValueError as error:
                    return self.send_json(400, self.error_body(400, "parse_exception", str(error)))
                if not isinstance(template, dict) or not template.get("index_patterns"):
                    return self.send_json(400, self.error_body(400, "action_request_validation_exception",
                                                               "Validation Failed: 1: index patterns are missing;"))
                with state.lock:
                    state.templates[name] = template
                return self.send_json(200, {"acknowledged": True})
            if method in ("GET", "HEAD"):
                with state.lock:
                    template = state.templates.get(name)
                if template is None:
                    return self.send_json(404, self.error_body(404, "resource_not_found_exception",
                                                               f"index template matching [{name}] not found"))
                return self.send_json(200, {"index_templates": [{"name": name, "index_template": template}]})
        return self.send_json(404, self.error_body(404, "no_handler_found", f"no handler for {method} {path}"))

    def admin(self, method, path, query, body):
        state = self.server.state
        if path == "/_noa/docs" and method == "GET":
            index = query.get("index", [None])[0]
            with state.lock:
                docs = [{"_index": i, "_id": d, "_source": state.docs[(i, d)]}
                        for (i, d) in state.order if index is None or i == index]
            return self.send_json(200, {"count": len(docs), "docs": docs})
        if path == "/_noa/docs" and method == "DELETE":
            with state.lock:
                state.reset()
            return self.send_json(200, {"acknowledged": True})
        if path == "/_noa/stats" and method == "GET":
            with state.lock:
                stats = json.loads(json.dumps(state.stats))
                stats["stored"] = len(state.order)
            return self.send_json(200, stats)
        if path == "/_noa/templates" and method == "GET":
            with state.lock:
                templates = dict(state.templates)
            return self.send_json(200, templates)
        if path == "/_noa/faults" and method == "POST":
            faults = json.loads(body or b"{}")
            with state.lock:
                state.faults = faults
                state.fault_until = time.time() + faults["seconds"] if "seconds" in faults else 0.0
                state.item_429_counts = {}
            return self.send_json(200, {"acknowledged": True})
        if path == "/_noa/faults" and method == "DELETE":
            with state.lock:
                state.faults = {}
                state.fault_until = 0.0
            return self.send_json(200, {"acknowledged": True})
        return self.send_json(404, {"error": f"no admin route {method} {path}"})

    # --- the bulk API ---------------------------------------------------------------------------------------

    def whole_request_fault(self):
        """The status to refuse this bulk request with, if a fault says so (and counts it down)."""
        state = self.server.state
        with state.lock:
            faults = state.faults
            if faults.get("drop_connection", 0) > 0:
                faults["drop_connection"] -= 1
                return "drop", None
            status = faults.get("status")
            if status is None:
                return None, None
            if "requests" in faults:
                if faults["requests"] <= 0:
                    return None, None
                faults["requests"] -= 1
            elif "seconds" in faults and time.time() >= state.fault_until:
                return None, None
            state.stats["refused_requests"] += 1
            return status, faults.get("retry_after")

    def bulk(self, path, query):
        state = self.server.state
        with state.lock:
            state.stats["bulk_active"] += 1
            if not getattr(self, "sent_bulk", False):
                self.sent_bulk = True
                state.stats["bulk_connections"] += 1
        try:
            return self.bulk_request(path, query)
        finally:
            with state.lock:
                state.stats["bulk_active"] -= 1

    def bulk_request(self, path, query):
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0") or "0")
        raw = self.read_body()
        if not self.authorized():
            return
        with state.lock:
            state.stats["bulk_requests"] += 1
            state.stats["bulk_bytes"] += len(raw)
            delay = state.faults.get("delay", 0)
        if delay:
            time.sleep(delay)
        fault, retry_after = self.whole_request_fault()
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None:
            headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
            type_ = "es_rejected_execution_exception" if fault == 429 else "unavailable_shards_exception"
            return self.send_json(fault, self.error_body(fault, type_, "fault injected by the test"), headers)
        if length > state.max_body_bytes:
            with state.lock:
                state.stats["too_large"] += 1
            # Elasticsearch answers 413 with an empty body when a request exceeds http.max_content_length.
            self.send_response(413)
            self.send_header(*PRODUCT_HEADER)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with state.lock:
                state.count_status(413)
            return
        if self.headers.get("Content-Encoding", "") == "gzip":
            with state.lock:
                state.stats["gzip_requests"] += 1
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as error:
                return self.send_json(400, self.error_body(400, "parse_exception", f"bad gzip body: {error}"))
        default_index = path[1:-len("/_bulk")] if path != "/_bulk" else None
        filters = None
        if "filter_path" in query:
            filters = set(",".join(query["filter_path"]).split(","))
        started = time.time()
        with state.lock:
            quick = state.fast and not state.faults and not state.templates
        if quick:
            answer = self.run_bulk_quick(raw, default_index, filters)
            if answer is not None:
                return self.send_raw_json(200, answer)
        try:
            items, errors = self.run_bulk(raw, default_index)
        except ValueError as error:
            return self.send_json(400, self.error_body(400, "illegal_argument_exception", str(error)))
        body = {"took": int((time.time() - started) * 1000), "errors": errors, "items": items}
        if filters is not None:
            body = {k: v for k, v in body.items() if k in filters or (k == "items" and any(
                f.startswith("items.") for f in filters))}
            if "items" in body:
                body["items"] = [filter_item(op, result, filters) for item in items for op, result in item.items()]
        self.send_json(200, body)

    def run_bulk_quick(self, raw, default_index, filters):
        """Benchmark path (`--fast`, no faults, no templates): the same answers as `run_bulk` for `create`/`index`
        actions of the plain shape `{"create":{"_index":"…","_id":"…"}}`, read with byte searches instead of a
        JSON parse per line. Returns None for anything else, and the general path handles the request."""
        if raw and not raw.endswith(b"\n"):
            return None
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        if len(lines) % 2:
            return None
        keys = []
        ops = []
        for action in lines[0::2]:
            if action.startswith(b'{"create":{'):
                op = "create"
            elif action.startswith(b'{"index":{'):
                op = "index"
            else:
                return None
            if b"\\" in action:
                return None
            index = default_index
            at = action.find(b'"_index":"')
            if at >= 0:
                end = action.find(b'"', at + 10)
                index = action[at + 10:end].decode()
            if index is None:
                return None
            doc_id = None
            at = action.find(b'"_id":"')
            if at >= 0:
                end = action.find(b'"', at + 7)
                doc_id = action[at + 7:end].decode()
            keys.append((index, doc_id))
            ops.append(op)
        state = self.server.state
        statuses = []
        with state.lock:
            state.stats["items"] += len(keys)
            for (index, doc_id), op in zip(keys, ops):
                if doc_id is None:
                    doc_id = random_id()
                key = (index, doc_id)
                if key in state.docs:
                    if op == "create":
                        state.stats["duplicates"] += 1
                        statuses.append((op, index, doc_id, 409))
                    else:
                        statuses.append((op, index, doc_id, 200))
                    continue
                state.docs[key] = None
                state.order.append(key)
                state.stats["created"] += 1
                statuses.append((op, index, doc_id, 201))
        errors = any(status == 409 for _, _, _, status in statuses)
        if filters == {"errors", "items.*.status", "items.*.error"} and not errors:
            # What a log shipper asks for, written directly: the same bytes the general path would produce.
            parts = [b'{"%s":{"status":%d}}' % (op.encode(), status) for op, _, _, status in statuses]
            return b'{"errors":false,"items":[' + b",".join(parts) + b"]}"
        items = []
        for op, index, doc_id, status in statuses:
            if status == 409:
                result = self.item_error(index, doc_id, 409, "version_conflict_engine_exception",
                                         f"[{doc_id}]: version conflict, document already exists (current version [1])")
            else:
                result = {"_index": index, "_id": doc_id, "_version": 1,
                          "result": "created" if status == 201 else "updated", "status": status}
            items.append({op: result})
        body = {"took": 0, "errors": errors, "items": items}
        if filters is not None:
            body = {k: v for k, v in body.items() if k in filters or (k == "items" and any(
                f.startswith("items.") for f in filters))}
            if "items" in body:
                body["items"] = [filter_item(op, result, filters) for item in items for op, result in item.items()]
        return body

    def send_raw_json(self, status, body):
        if not isinstance(body, bytes):
            return self.send_json(status, body)
        self.send_response(status)
        self.send_header(*PRODUCT_HEADER)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.server.state.lock:
            self.server.state.count_status(status)

    def run_bulk(self, raw, default_index):
        state = self.server.state
        if raw and not raw.endswith(b"\n"):
            raise ValueError("The bulk request must be terminated by a newline [\\n]")
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        items = []
        errors = False
        i = 0
        while i < len(lines):
            try:
                action = json.loads(lines[i])
            except ValueError:
                raise ValueError(f"Malformed action/metadata line [{i + 1}], expected START_OBJECT")
            if not isinstance(action, dict) or len(action) != 1:
                raise ValueError(f"Malformed action/metadata line [{i + 1}]")
            op, meta = next(iter(action.items()))
            if op not in ("create", "index", "delete"):
                raise ValueError(f"Action/metadata line [{i + 1}] contains an unknown parameter [{op}]")
            source_line = None
            if op != "delete":
                if i + 1 >= len(lines):
                    raise ValueError("The bulk request must be terminated by a newline [\\n]")
                source_line = lines[i + 1]
                i += 2
            else:
                i += 1
            result = self.run_item(op, meta or {}, source_line, default_index)
            if result.get("status", 200) >= 300:
                errors = True
            items.append({op: result})
        return items, errors

    def run_item(self, op, meta, source_line, default_index):
        state = self.server.state
        index = meta.get("_index", default_index)
        doc_id = meta.get("_id")
        with state.lock:
            state.stats["items"] += 1
            faults = state.faults
        if index is None:
            return self.item_error(index, doc_id, 400, "action_request_validation_exception",
                                   "Validation Failed: 1: index is missing;")
        source = None
        if op != "delete":
            if state.fast:
                source = None
            else:
                try:
                    source = json.loads(source_line)
                except ValueError as error:
                    return self.item_error(index, doc_id, 400, "document_parsing_exception",
                                           f"[1:1] failed to parse: {error}")
                if not isinstance(source, dict):
                    return self.item_error(index, doc_id, 400, "document_parsing_exception",
                                           "[1:1] failed to parse: not an object")
        with state.lock:
            if doc_id is not None and doc_id in faults.get("item_429_ids", {}):
                used = state.item_429_counts.get(doc_id, 0)
                if used < faults["item_429_ids"][doc_id]:
                    state.item_429_counts[doc_id] = used + 1
                    state.stats["item_429"] += 1
                    return self.item_error(index, doc_id, 429, "es_rejected_execution_exception",
                                           "rejected execution of coordinating operation", lock_held=True)
            if faults.get("item_429_next", 0) > 0:
                faults["item_429_next"] -= 1
                state.stats["item_429"] += 1
                return self.item_error(index, doc_id, 429, "es_rejected_execution_exception",
                                       "rejected execution of coordinating operation", lock_held=True)
            marker = faults.get("reject_message_contains")
            message = source.get("message") if isinstance(source, dict) else None
            if (doc_id is not None and doc_id in faults.get("reject_ids", [])) or (
                    marker and isinstance(message, str) and marker in message) or (
                    marker and state.fast and source_line is not None and marker.encode() in source_line):
                state.stats["rejected"] += 1
                return self.item_error(index, doc_id, 400, "mapper_parsing_exception",
                                       "failed to parse field [message] of type [match_only_text]", lock_held=True)
            template = template_for(state, index)
            is_stream = template is not None and "data_stream" in template[1]
            if is_stream and op != "create":
                return self.item_error(index, doc_id, 400, "illegal_argument_exception",
                                       f"only write ops with an op_type of create are allowed in data streams",
                                       lock_held=True)
            if op == "delete":
                if (index, doc_id) in state.docs:
                    del state.docs[(index, doc_id)]
                    state.order.remove((index, doc_id))
                    return {"_index": index, "_id": doc_id, "result": "deleted", "status": 200}
                return {"_index": index, "_id": doc_id, "result": "not_found", "status": 404}
            if doc_id is None:
                doc_id = random_id()
            key = (index, doc_id)
            if key in state.docs:
                if op == "create":
                    state.stats["duplicates"] += 1
                    return self.item_error(
                        index, doc_id, 409, "version_conflict_engine_exception",
                        f"[{doc_id}]: version conflict, document already exists (current version [1])",
                        lock_held=True)
                state.docs[key] = source
                return {"_index": index, "_id": doc_id, "_version": 2, "result": "updated", "status": 200}
            state.docs[key] = source
            state.order.append(key)
            state.stats["created"] += 1
            return {"_index": index, "_id": doc_id, "_version": 1, "result": "created", "status": 201,
                    "_seq_no": len(state.order) - 1, "_primary_term": 1}

    def item_error(self, index, doc_id, status, type_, reason, lock_held=False):
        result = {"_index": index, "status": status, "error": {"type": type_, "reason": reason, "index": index}}
        if doc_id is not None:
            result["_id"] = doc_id
        return result


class TLSServer(ThreadingHTTPServer):
    """HTTPS: each accepted connection is wrapped, and its handshake runs on the connection's own thread (in
    `finish_request`), so a client that stalls or refuses the certificate never blocks the accept loop."""

    tls_context = None

    def finish_request(self, request, client_address):
        try:
            request = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            with self.state.lock:
                self.state.stats["tls_handshake_failures"] += 1
            return
        super().finish_request(request, client_address)


class ESDouble:
    """The double in-process (pytest): `with ESDouble() as es: es.url ...`."""

    def __init__(self, port=0, fast=False, max_body_bytes=100 * 1024 * 1024, credentials=None,
                 tls_cert=None, tls_key=None, tls_client_ca=None):
        self.state = State(fast=fast, max_body_bytes=max_body_bytes, credentials=credentials)
        if tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
            if tls_client_ca:
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(tls_client_ca)
            self.server = TLSServer(("127.0.0.1", port), Handler)
            self.server.tls_context = context
        else:
            self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.state = self.state
        self.port = self.server.server_address[1]
        self.url = f"{'https' if tls_cert else 'http'}://127.0.0.1:{self.port}"
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main():
    parser = argparse.ArgumentParser(description="An Elasticsearch-like bulk API receiver for tests (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=9200, help="port on 127.0.0.1 (0: pick a free one)")
    parser.add_argument("--fast", action="store_true", help="keep only ids and counts (benchmarks)")
    parser.add_argument("--max-body-bytes", type=int, default=100 * 1024 * 1024,
                        help="answer 413 above this request size (http.max_content_length)")
    parser.add_argument("--api-key", action="append", default=[],
                        help="require Authorization: ApiKey KEY (repeatable; default: no security)")
    parser.add_argument("--authorization", action="append", default=[],
                        help="require this exact Authorization header value (repeatable)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (chain)")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    parser.add_argument("--tls-client-ca", help="require a client certificate signed by this PEM CA (mutual TLS)")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    credentials = [f"ApiKey {key}" for key in args.api_key] + args.authorization
    double = ESDouble(port=args.port, fast=args.fast, max_body_bytes=args.max_body_bytes,
                      credentials=credentials or None, tls_cert=args.tls_cert, tls_key=args.tls_key,
                      tls_client_ca=args.tls_client_ca)
    print(double.port, flush=True)
    # Exit with the parent: a test that spawned the double and died must not leave it running.
    parent = os.getppid()

    def watch_parent():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    try:
        double.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
