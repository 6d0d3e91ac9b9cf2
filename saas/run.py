"""`make run`: start the embedded services (unless DATABASE_URL/REDIS_URL are
set), migrate, provision the demo tenant (manage.py demo_provision), then serve web + worker + beat with
honcho. Ctrl-C stops everything this command started; data stays under var/."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from saas import embedded, secret_key


def main() -> int:
    db_name = os.environ.get("SAAS_DB_NAME", "saas")
    started = embedded.ensure_started(db_name)
    if not os.environ.get("DJANGO_SECRET_KEY"):
        # generated on the first start, reused by every later one; web, worker and beat read this file
        # (saas/settings/dev.py), it never travels in the environment
        secret_key.load_or_create(embedded.var_dir())
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
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], check=True, env=env)
        # migrations, the demo workspace, then its URL and logins (demo/management/commands/demo_provision.py)
        subprocess.run([*manage, "demo_provision", "--port", env.setdefault("SAAS_PORT", "8000")], check=True, env=env)
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
