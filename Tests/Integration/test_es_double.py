"""The Elasticsearch double itself answers as the real bulk API does (what the sink's tests rely on)."""
import gzip
import json
import urllib.error
import urllib.request

from es_double import ESDouble


def request(url, method="GET", body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def ndjson(*lines):
    return ("\n".join(json.dumps(line) for line in lines) + "\n").encode()


def test_create_then_duplicate_is_409_and_gzip_bodies_are_read():
    with ESDouble() as es:
        body = ndjson({"create": {"_index": "logs", "_id": "a"}}, {"message": "one"},
                      {"create": {"_index": "logs", "_id": "b"}}, {"message": "two"})
        status, headers, data = request(es.url + "/_bulk", "POST", gzip.compress(body),
                                        {"Content-Encoding": "gzip", "Content-Type": "application/x-ndjson"})
        assert status == 200 and headers["X-Elastic-Product"] == "Elasticsearch"
        reply = json.loads(data)
        assert reply["errors"] is False
        assert [item["create"]["status"] for item in reply["items"]] == [201, 201]
        status, _, data = request(es.url + "/_bulk?filter_path=errors,items.*.status,items.*.error", "POST",
                                  ndjson({"create": {"_index": "logs", "_id": "a"}}, {"message": "one"}))
        reply = json.loads(data)
        assert reply["errors"] is True
        assert reply["items"][0]["create"]["status"] == 409
        assert reply["items"][0]["create"]["error"]["type"] == "version_conflict_engine_exception"
        assert "took" not in reply
        _, _, data = request(es.url + "/_noa/docs")
        assert [d["_source"]["message"] for d in json.loads(data)["docs"]] == ["one", "two"]


def test_faults_refuse_whole_requests_and_single_items():
    with ESDouble(max_body_bytes=200) as es:
        request(es.url + "/_noa/faults", "POST", json.dumps({"status": 429, "requests": 1, "retry_after": 3}).encode())
        status, headers, _ = request(es.url + "/_bulk", "POST", ndjson({"create": {"_index": "x"}}, {"m": 1}))
        assert status == 429 and headers["Retry-After"] == "3"
        request(es.url + "/_noa/faults", "POST", json.dumps(
            {"reject_ids": ["bad"], "item_429_ids": {"busy": 1}}).encode())
        body = ndjson({"create": {"_index": "x", "_id": "bad"}}, {"m": 1}, {"create": {"_index": "x", "_id": "busy"}}, {"m": 2})
        _, _, data = request(es.url + "/_bulk", "POST", body)
        statuses = [i["create"]["status"] for i in json.loads(data)["items"]]
        assert statuses == [400, 429]
        _, _, data = request(es.url + "/_bulk", "POST", body)
        assert [i["create"]["status"] for i in json.loads(data)["items"]] == [400, 201]
        status, _, _ = request(es.url + "/_bulk", "POST", ndjson({"create": {"_index": "x"}}, {"m": "y" * 300}))
        assert status == 413


def test_templates_are_stored_and_data_streams_take_only_create():
    with ESDouble() as es:
        template = {"index_patterns": ["logs-noa-*"], "data_stream": {}, "priority": 200}
        status, _, _ = request(es.url + "/_index_template/noa", "PUT", json.dumps(template).encode())
        assert status == 200
        _, _, data = request(es.url + "/_index_template/noa")
        assert json.loads(data)["index_templates"][0]["index_template"] == template
        _, _, data = request(es.url + "/_bulk", "POST", ndjson({"index": {"_index": "logs-noa-x"}}, {"m": 1}))
        assert json.loads(data)["items"][0]["index"]["status"] == 400
        assert request(es.url + "/_index_template/missing")[0] == 404
