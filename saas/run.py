"""`make run`: start the embedded services (unless DATABASE_URL/REDIS_URL are
set), migrate, provision the demo tenant, then serve web + worker + beat with
honcho. Ctrl-C stops everything this command started; data stays under var/."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from saas import embedded

DEMO = {
    "slug": "demo",
    "name": "Demo Retail",
    "owner": ("owner@demo.test", "demo-owner-pass-2026"),
    "analyst": ("analyst@demo.test", "demo-analyst-pass-2026"),
}


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings.dev")
    django.setup()


def provision_demo() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from accounts import services as account_services
    from accounts.audit import Actor
    from accounts.models import User
    from tenants.models import Tenant
    from tenants.services import tenant_provision

    call_command("setup_platform")
    tenant = Tenant.objects.filter(slug=DEMO["slug"]).first()
    if tenant is None:
        tenant = tenant_provision(slug=DEMO["slug"], name=DEMO["name"], owner_email=DEMO["owner"][0],
                                  owner_password=DEMO["owner"][1], plan="pro").tenant
    with schema_context(tenant.schema_name):
        connection.tenant = tenant
        if not User.objects.filter(email=DEMO["analyst"][0]).exists():
            account_services.member_create(actor=Actor.system(), email=DEMO["analyst"][0],
                                           password=DEMO["analyst"][1], role="analyst")
    connection.set_schema_to_public()
    from forecasting.demo import demo_bootstrap

    print(demo_bootstrap(tenant), flush=True)


def main() -> int:
    db_name = os.environ.get("SAAS_DB_NAME", "saas")
    started = embedded.ensure_started(db_name)
    env = os.environ.copy()
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("DATABASE_URL", embedded.database_url(db_name))
    env.setdefault("REDIS_URL", embedded.redis_url(0))
    # web and worker processes share Prometheus samples through this folder,
    # emptied at each start (prometheus-client multiprocess mode)
    metrics_dir = Path(env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path("var") / "prometheus")))
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update({"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": env["REDIS_URL"]})
    honcho = None
    try:
        _django()
        provision_demo()
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], check=True, env=env)
        from django.conf import settings

        port = env.setdefault("SAAS_PORT", "8000")
        url = f"http://{DEMO['slug']}.{settings.SAAS_BASE_DOMAIN}:{port}/"
        print("\n" + "=" * 72, flush=True)
        print(f"  Demo workspace: {url}", flush=True)
        print(f"  Owner:   {DEMO['owner'][0]} / {DEMO['owner'][1]}", flush=True)
        print(f"  Analyst: {DEMO['analyst'][0]} / {DEMO['analyst'][1]}", flush=True)
        print(f"  Sign up a new company: http://{settings.SAAS_BASE_DOMAIN}:{port}/signup/", flush=True)
        print("  Ctrl-C stops everything.", flush=True)
        print("=" * 72 + "\n", flush=True)
        honcho = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "honcho"), "start",
                                   "-f", "Procfile"], env=env, start_new_session=True)

        def _forward(signum, frame):
            if honcho and honcho.poll() is None:
                os.killpg(honcho.pid, signal.SIGTERM)

        signal.signal(signal.SIGTERM, _forward)
        signal.signal(signal.SIGINT, _forward)
        honcho.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if honcho is not None and honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGTERM)
            try:
                honcho.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
        if honcho is not None:
            # stragglers of the group (e.g. celery pool children)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.killpg(honcho.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
            else:
                try:
                    os.killpg(honcho.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if started["redis"]:
            embedded.stop_redis()
        if started["postgres"]:
            embedded.stop_postgres()
        print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
