import time

from celery import shared_task
from django.core.cache import cache


@shared_task(name="saas.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> float:
    now = time.time()
    cache.set("beat:last", now, timeout=None)  # kept: /healthz tells stale from never seen
    return now
