"""Operations: /metrics (internal only, HTTP/DB/task/queue/job figures),
JSON logs carrying the same request id from the web request to the job it
started, and Sentry events tagged with the tenant and free of personal data."""
from __future__ import annotations

import json
import logging
import re
import time
import uuid

import pytest
import requests
from django.test import Client, override_settings

from tests.conftest import api_client, in_tenant
from tests.support.data import wait_job

# no django_db(transaction=True) mark: its flush after each test emptied the public
# schema (public tenant, domains), so later tests found no site at "localhost"


def metrics_text(client: Client | None = None, **meta) -> tuple[int, str]:
    resp = (client or Client()).get("/metrics", **meta)
    return resp.status_code, resp.content.decode()


def test_metrics_answer_internal_callers_only(db_access):
    assert metrics_text(REMOTE_ADDR="127.0.0.1")[0] == 200
    assert metrics_text(REMOTE_ADDR="10.1.2.3")[0] == 200
    # from outside, or from anywhere through the public proxy: not there
    assert metrics_text(REMOTE_ADDR="203.0.113.9")[0] == 404
    assert metrics_text(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")[0] == 404
    with override_settings(SAAS_INTERNAL_TOKEN="s3cret-token"):
        assert metrics_text(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")[0] == 200
        assert metrics_text(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong")[0] == 404


def test_metrics_report_routes_queries_jobs_and_queues(tenant):
    from jobs.models import Job

    client = api_client(tenant, key=tenant.admin_key)
    assert client.get("/api/v1/me/").status_code == 200
    with in_tenant(tenant):
        Job.objects.create(kind=Job.Kind.TRAIN, params={}, message="Queued")
    status, text = metrics_text()
    assert status == 200
    # HTTP latency and status by route (django-prometheus labels the view)
    assert re.search(r'django_http_responses_total_by_status_view_method_total\{[^}]*status="200"[^}]*\} [1-9]',
                     text), text[:2000]
    assert re.search(r'django_http_requests_latency_seconds_by_view_method_count\{[^}]*view="[^"]+"', text)
    assert re.search(r"django_db_execute_total\{[^}]*\} [1-9]", text)
    assert f'saas_jobs{{status="queued",tenant="{tenant.schema}"}} 1.0' in text
    assert re.search(r'saas_celery_queue_depth\{queue="default"\} \d', text)
    assert f'saas_tenant_stored_rows{{tenant="{tenant.schema}"}}' in text


@pytest.mark.worker
def test_request_id_runs_from_web_log_to_audit_and_job_log(tenant, celery_worker_proc, live_server_proc):
    from accounts.models import AuditEvent

    rid = f"rid-{uuid.uuid4().hex[:12]}"
    base = f"http://127.0.0.1:{live_server_proc.port}"
    resp = requests.post(f"{base}/api/v1/uploads/",
                         headers={"Host": tenant.host, "Authorization": f"Token {tenant.admin_key}",
                                  "X-Request-ID": rid},
                         files={"file": ("stores.csv", b"Store,Type,Size\n1,A,151315\n2,B,202307\n")}, timeout=30)
    assert resp.status_code == 202, resp.text
    assert resp.headers["X-Request-ID"] == rid
    job_id = resp.json()["job"]["id"]
    assert wait_job(tenant, job_id)["status"] == "succeeded"
    with in_tenant(tenant):
        assert AuditEvent.objects.get(action="upload.create").request_id == rid

    def json_lines(path):
        out = []
        for line in path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a library printing plain text (celery's banner)
        return out

    deadline = time.monotonic() + 30
    while True:  # log files are flushed by other processes: poll until the lines are there
        web = [r for r in json_lines(live_server_proc.log_path) if r.get("request_id") == rid]
        work = [r for r in json_lines(celery_worker_proc.log_path) if r.get("request_id") == rid]
        if (web and work) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert web and work, "no log line with the request id"
    line = web[-1]
    assert line["tenant"] == tenant.schema and line["status"] == 202 and line["key_id"] is not None
    assert {"time", "level", "logger", "message"} <= set(line)
    assert any(r["job_id"] == job_id and r["tenant"] == tenant.schema for r in work), work
    # and the worker's task counts reach the web's /metrics (shared multiprocess folder)
    text = requests.get(f"{base}/metrics", timeout=30).text
    assert re.search(r'saas_celery_tasks_total\{state="SUCCESS",task="[a-z_.]+"\} [1-9]', text), text[-2000:]
    assert requests.get(f"{base}/metrics", timeout=30,
                        headers={"Host": tenant.host, "X-Forwarded-For": "203.0.113.9"}).status_code == 404


def test_json_formatter_writes_the_bound_context():
    from pythonjsonlogger.json import JsonFormatter

    from saas.observability import context
    from saas.observability.logs import JSON_FIELDS, ContextFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    with context.bound(tenant="acme", request_id="r-1", job_id=7, user_id=3):
        ContextFilter().filter(record)
    data = json.loads(JsonFormatter(JSON_FIELDS).format(record))
    assert data["message"] == "hello world"
    assert (data["tenant"], data["request_id"], data["job_id"], data["user_id"], data["key_id"]) == (
        "acme", "r-1", 7, 3, None)


class _Capture:
    """A Sentry transport that keeps events in memory instead of sending them."""

    events: list = []

    def __init__(self, options=None):
        self.options = options

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            _Capture.events.append(event)

    def flush(self, timeout, callback=None):
        return None

    def kill(self):
        return None

    def record_lost_event(self, *args, **kwargs):
        return None

    def is_healthy(self):
        return True


def test_sentry_events_carry_the_tenant_and_no_personal_data(tenant):
    import sentry_sdk
    from django.http import HttpResponse
    from django.test import RequestFactory
    from sentry_sdk.transport import Transport

    from saas.observability.middleware import RequestContextMiddleware
    from saas.observability.sentry import before_send, init_sentry

    transport = type("CaptureTransport", (_Capture, Transport), {})
    _Capture.events = []
    assert init_sentry("http://public@127.0.0.1:9/1", transport=transport)
    try:
        def view(request):
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                sentry_sdk.capture_exception()
            return HttpResponse("ok")

        request = RequestFactory().get("/", HTTP_HOST=tenant.host)
        request.request_id = "r-sentry"
        with in_tenant(tenant), sentry_sdk.isolation_scope():
            RequestContextMiddleware(view)(request)
        sentry_sdk.flush()
        assert _Capture.events, "no event captured"
        assert _Capture.events[-1]["tags"]["tenant"] == tenant.schema
    finally:
        sentry_sdk.init()  # off again
    scrubbed = before_send({
        "request": {"headers": {"Authorization": "Token abc", "Cookie": "sessionid=x", "Accept": "text/html",
                                "X-Forwarded-For": "198.51.100.2"},
                    "cookies": {"sessionid": "x"}, "data": {"email": "a@b.c"}, "env": {"REMOTE_ADDR": "1.2.3.4"}},
        "user": {"id": 5, "email": "a@b.c", "ip_address": "1.2.3.4"},
    }, {})
    assert scrubbed["request"]["headers"] == {"Accept": "text/html"}
    assert "cookies" not in scrubbed["request"] and "data" not in scrubbed["request"]
    assert scrubbed["request"]["env"] == {} and scrubbed["user"] == {"id": 5}
