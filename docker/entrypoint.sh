#!/bin/sh
# Container roles (first argument); anything else is exec'd as given.
#   setup   migrate shared + tenant schemas, ensure the public tenant and the
#           tenant template (python manage.py setup_platform); idempotent
#   web     collectstatic, then gunicorn on 0.0.0.0:8000 (as in the Procfile)
#   worker  celery worker consuming the default and ml queues
#   beat    celery beat
# SAAS_SETUP_ON_START=1 makes web run `setup` first (single-container deploys;
# docker-compose.yml uses the one-shot `migrate` service instead).
set -eu
cd /app

# Prometheus multiprocess samples of this container's processes; emptied at start
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

case "${1:-web}" in
  setup)
    exec python manage.py setup_platform
    ;;
  web)
    if [ "${SAAS_SETUP_ON_START:-0}" = "1" ]; then
      python manage.py setup_platform
    fi
    python manage.py collectstatic --noinput --verbosity 0
    exec gunicorn saas.wsgi \
      --bind "0.0.0.0:${GUNICORN_PORT:-8000}" \
      --workers "${GUNICORN_WORKERS:-2}" \
      --threads "${GUNICORN_THREADS:-4}" \
      --timeout "${GUNICORN_TIMEOUT:-120}" \
      --worker-tmp-dir /dev/shm \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}"
    ;;
  worker)
    exec celery -A saas worker -Q default,ml \
      --concurrency "${CELERY_CONCURRENCY:-2}" \
      --max-tasks-per-child 50 \
      -n "worker@%h" \
      --loglevel "${CELERY_LOGLEVEL:-INFO}"
    ;;
  beat)
    exec celery -A saas beat \
      --schedule /app/var/celerybeat-schedule \
      --loglevel "${CELERY_LOGLEVEL:-INFO}"
    ;;
  *)
    exec "$@"
    ;;
esac
