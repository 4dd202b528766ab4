#!/usr/bin/env python3
"""Writes the golden OTLP metrics and logs requests the Swift tests decode with the hand-written readers and with
swift-protobuf, using the reference opentelemetry-proto library (pip install opentelemetry-proto). Run from this
folder; the two hex lines are pasted into OTLPSignalsWireTests.swift (goldenMetricsRequest, goldenLogsRequest)."""
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.metrics.v1 import metrics_pb2 as m
from opentelemetry.proto.logs.v1 import logs_pb2 as lg
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2

def kv(k, **v):
    return common_pb2.KeyValue(key=k, value=common_pb2.AnyValue(**v))

resource = resource_pb2.Resource(attributes=[kv("service.name", string_value="checkout"),
                                             kv("service.namespace", string_value="shop"),
                                             kv("service.instance.id", string_value="web-1")],
                                 dropped_attributes_count=1)

req = ExportMetricsServiceRequest()
rm = req.resource_metrics.add()
rm.resource.CopyFrom(resource)
rm.schema_url = "https://opentelemetry.io/schemas/1.26.0"
sm = rm.scope_metrics.add()
sm.scope.name = "io.opentelemetry.runtime"
sm.scope.version = "1.2.3"
sm.schema_url = "https://opentelemetry.io/schemas/1.26.0"
exemplar = m.Exemplar(filtered_attributes=[kv("user", string_value="u1")], time_unix_nano=5, as_double=1.5,
                      span_id=bytes.fromhex("eee19b7ec3c1b174"), trace_id=bytes.fromhex("5b8efff798038103d269b633813fc60c"))

g = sm.metrics.add(name="process.memory", description="Resident memory.", unit="By")
g.gauge.data_points.add(attributes=[kv("state", string_value="rss"), kv("pid", int_value=42)],
                        start_time_unix_nano=1, time_unix_nano=2, as_double=1024.5, exemplars=[exemplar])
g.gauge.data_points.add(attributes=[kv("state", string_value="vms"), kv("ok", bool_value=True),
                                    kv("ratio", double_value=0.25)], time_unix_nano=3, as_int=-7, flags=1)
g.metadata.extend([kv("source", string_value="sdk")])

s = sm.metrics.add(name="http.server.requests", description="Requests.", unit="1")
s.sum.aggregation_temporality = m.AGGREGATION_TEMPORALITY_DELTA
s.sum.is_monotonic = True
s.sum.data_points.add(attributes=[kv("http.route", string_value="/orders/{id}")], start_time_unix_nano=10,
                      time_unix_nano=20, as_int=5)

u = sm.metrics.add(name="queue.depth")
u.sum.aggregation_temporality = m.AGGREGATION_TEMPORALITY_CUMULATIVE
u.sum.data_points.add(time_unix_nano=20, as_double=-3.5)

h = sm.metrics.add(name="http.server.duration", unit="s")
h.histogram.aggregation_temporality = m.AGGREGATION_TEMPORALITY_CUMULATIVE
h.histogram.data_points.add(attributes=[kv("http.request.method", string_value="GET")], start_time_unix_nano=1,
                            time_unix_nano=2, count=6, sum=1.25, bucket_counts=[1, 2, 3], explicit_bounds=[0.1, 0.5],
                            min=0.01, max=0.9, flags=0, exemplars=[exemplar])
h.histogram.data_points.add(count=0, bucket_counts=[], explicit_bounds=[])

e = sm.metrics.add(name="latency.exp")
e.exponential_histogram.aggregation_temporality = m.AGGREGATION_TEMPORALITY_DELTA
p = e.exponential_histogram.data_points.add(attributes=[kv("k", string_value="v")], count=3, sum=2.0, scale=-2,
                                            zero_count=1, min=0.1, max=1.0, zero_threshold=0.001)
p.positive.offset = -1
p.positive.bucket_counts.extend([1, 300])
p.negative.bucket_counts.extend([2])
e.exponential_histogram.data_points.add(count=0)

q = sm.metrics.add(name="rpc.summary")
sp = q.summary.data_points.add(attributes=[kv("rpc", string_value="get")], count=4, sum=8.0)
sp.quantile_values.add(quantile=0.5, value=1.0)
sp.quantile_values.add(quantile=0.99, value=4.0)

sm.metrics.add(name="no.data")
print(req.SerializeToString().hex())

req = ExportLogsServiceRequest()
rl = req.resource_logs.add()
rl.resource.CopyFrom(resource)
rl.schema_url = "https://opentelemetry.io/schemas/1.26.0"
sl = rl.scope_logs.add()
sl.scope.name = "checkout.logger"
sl.scope.version = "0.1"
sl.scope.attributes.extend([kv("scope.attr", string_value="x")])
sl.log_records.add(time_unix_nano=1700000000123456789, observed_time_unix_nano=1700000000223456789,
                   severity_number=lg.SEVERITY_NUMBER_ERROR, severity_text="ERROR",
                   body=common_pb2.AnyValue(string_value="payment failed \u00e9"),
                   attributes=[kv("order.id", int_value=17), kv("blob", bytes_value=b"\x00\xff")],
                   dropped_attributes_count=2, flags=1, trace_id=bytes.fromhex("5b8efff798038103d269b633813fc60c"),
                   span_id=bytes.fromhex("eee19b7ec3c1b174"), event_name="payment.failed")
sl.log_records.add(observed_time_unix_nano=5, severity_number=lg.SEVERITY_NUMBER_INFO,
                   body=common_pb2.AnyValue(kvlist_value=common_pb2.KeyValueList(values=[
                       kv("a", array_value=common_pb2.ArrayValue(values=[common_pb2.AnyValue(int_value=1),
                                                                         common_pb2.AnyValue(double_value=2.5)]))])))
sl.log_records.add(trace_id=bytes.fromhex("0102"), body=common_pb2.AnyValue(string_value="bad id"))
sl.log_records.add(span_id=bytes.fromhex("01020304"), severity_number=99)
sl2 = rl.scope_logs.add()
sl2.log_records.add(body=common_pb2.AnyValue())
print(req.SerializeToString().hex())
