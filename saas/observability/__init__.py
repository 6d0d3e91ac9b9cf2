"""Operations: structured logs with request/tenant/job context, Prometheus
metrics, Sentry. Each piece is a well-kept library wired in one place:
python-json-logger (logs), django-prometheus + prometheus-client (metrics),
sentry-sdk (errors)."""
