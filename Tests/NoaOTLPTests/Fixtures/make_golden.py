#!/usr/bin/env python3
"""Writes the golden OTLP requests the Swift tests decode and re-encode, with the reference
opentelemetry-proto library (pip install opentelemetry-proto). Run from this folder; commit the output."""
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2

def kv(k, **v):
    return common_pb2.KeyValue(key=k, value=common_pb2.AnyValue(**v))

req = ExportTraceServiceRequest()
rs = req.resource_spans.add()
rs.resource.CopyFrom(resource_pb2.Resource(attributes=[kv("service.name", string_value="checkout"),
                                                       kv("host.name", string_value="web-1")],
                                           dropped_attributes_count=1))
rs.schema_url = "https://opentelemetry.io/schemas/1.26.0"
ss = rs.scope_spans.add()
ss.scope.name = "io.opentelemetry.flask"
ss.scope.version = "0.48b0"
s = ss.spans.add()
s.trace_id = bytes.fromhex("5b8efff798038103d269b633813fc60c")
s.span_id = bytes.fromhex("eee19b7ec3c1b174")
s.parent_span_id = bytes.fromhex("eee19b7ec3c1b173")
s.trace_state = "rojo=00f067aa0ba902b7"
s.flags = 0x301
s.name = "GET /orders/{id}"
s.kind = trace_pb2.Span.SPAN_KIND_SERVER
s.start_time_unix_nano = 1700000000123456789
s.end_time_unix_nano = 1700000000223456789
s.attributes.extend([
    kv("http.request.method", string_value="GET"),
    kv("http.response.status_code", int_value=500),
    kv("retry", bool_value=True),
    kv("ratio", double_value=0.25),
    kv("blob", bytes_value=b"\x00\xff"),
    kv("tags", array_value=common_pb2.ArrayValue(values=[common_pb2.AnyValue(string_value="a"), common_pb2.AnyValue(int_value=-2)])),
    kv("nested", kvlist_value=common_pb2.KeyValueList(values=[kv("k", string_value="v")])),
])
s.dropped_attributes_count = 2
e = s.events.add()
e.time_unix_nano = 1700000000200000000
e.name = "exception"
e.attributes.extend([kv("exception.message", string_value="boom")])
s.dropped_events_count = 3
l = s.links.add()
l.trace_id = bytes.fromhex("0102030405060708090a0b0c0d0e0f10")
l.span_id = bytes.fromhex("1112131415161718")
l.trace_state = "k=v"
l.attributes.extend([kv("link.kind", string_value="follows")])
l.flags = 1
s.dropped_links_count = 4
s.status.code = trace_pb2.Status.STATUS_CODE_ERROR
s.status.message = "internal error"
# A root client span in a second scope, with defaults left out.
ss2 = rs.scope_spans.add()
s2 = ss2.spans.add()
s2.trace_id = bytes.fromhex("5b8efff798038103d269b633813fc60c")
s2.span_id = bytes.fromhex("0000000000000001")
s2.name = "SELECT"
s2.kind = trace_pb2.Span.SPAN_KIND_CLIENT
s2.start_time_unix_nano = 1
s2.end_time_unix_nano = 2
# Printed as hex and pasted into OTLPProtobufTests.swift (goldenTraceRequest).
print(req.SerializeToString().hex())
