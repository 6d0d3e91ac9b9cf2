# syntax=docker/dockerfile:1
# Production image: one image, four roles (see docker/entrypoint.sh and
# docker-compose.yml): setup (migrations + tenant template), web (gunicorn),
# worker (celery, queues default + ml) and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=saas.settings.prod

# libgomp1: OpenMP runtime LightGBM links against (not in the slim image)
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app

# dependencies first (layer cached while requirements/lock.txt is unchanged)
COPY requirements/lock.txt /tmp/lock.txt
RUN python -m venv /opt/venv \
 && pip install --upgrade pip \
 && pip install -r /tmp/lock.txt \
 && rm /tmp/lock.txt

WORKDIR /app
# the code stays root-owned (read-only for the app user); only var/ is writable:
# staticfiles (collectstatic), media (tenant files, shared volume), numba cache, beat schedule
COPY . /app
RUN chmod 0755 /app/docker/entrypoint.sh \
 && mkdir -p /app/var/staticfiles /app/var/media /app/var/numba-cache \
 && chown -R app:app /app/var

USER app
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
