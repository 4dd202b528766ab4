#!/usr/bin/env python3
"""Prints a Zipkin v2 JSON body made by the OpenTelemetry Python SDK's Zipkin exporter (the reference encoder),
pasted into ZipkinV2Tests.swift. pip install opentelemetry-sdk opentelemetry-exporter-zipkin-json"""
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.exporter.zipkin.encoder import Protocol
from opentelemetry.exporter.zipkin.json.v2 import JsonV2Encoder
from opentelemetry.exporter.zipkin.node_endpoint import NodeEndpoint

mem = InMemorySpanExporter()
provider = TracerProvider(resource=Resource({"service.name": "checkout", "host.name": "web-1"}))
provider.add_span_processor(SimpleSpanProcessor(mem))
tracer = provider.get_tracer("shop.lib", "1.2.3")
with tracer.start_as_current_span("GET /orders", kind=SpanKind.SERVER, start_time=1700000000123456000, end_on_exit=False) as parent:
    parent.set_attribute("http.request.method", "GET")
    parent.set_attribute("http.response.status_code", 500)
    parent.set_attribute("ok", True)
    parent.add_event("exception", {"exception.message": "boom"}, timestamp=1700000000150000000)
    parent.add_event("retry", timestamp=1700000000160000000)
    parent.set_status(Status(StatusCode.ERROR, "internal error"))
    with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT, start_time=1700000000130000000, end_on_exit=False) as child:
        child.set_attribute("db.system", "postgresql")
        child.end(end_time=1700000000140000000)
    parent.end(end_time=1700000000223456000)
# As ZipkinExporter.export does: the local endpoint is named after the resource's service.name.
endpoint = NodeEndpoint()
endpoint.service_name = "checkout"
body = JsonV2Encoder().serialize(mem.get_finished_spans(), endpoint)
print(body)
