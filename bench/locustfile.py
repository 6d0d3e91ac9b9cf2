"""Locust users for bench/load.py (run by it; not on its own).

Each simulated user belongs to one tenant (round robin over the tenants in
``$LOAD_TENANTS``, a JSON file written by load.py), logs in with its own
account, and mixes page views, API reads, on-demand forecasts, uploads and,
rarely, a training. Expected refusals (402 quota, 429 rate limit) count as
answers; only 5xx and transport errors are failures, named by status."""
from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

TENANTS = json.loads(open(os.environ["LOAD_TENANTS"]).read())
_next_user = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class TenantUser(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        n = next(_next_user)
        self.tenant = TENANTS[n % len(TENANTS)]
        self.account = self.tenant["users"][(n // len(TENANTS)) % len(self.tenant["users"])]
        self.host_header = {"Host": self.tenant["host"]}
        self.api = {"Host": self.tenant["host"], "Authorization": f"Token {self.tenant['key']}"}
        self.series = self.tenant["series"]
        page = self.client.get("/accounts/login/", headers=self.host_header, name="GET /accounts/login/")
        token = CSRF.search(page.text)
        self.client.post("/accounts/login/", headers={**self.host_header, "Referer": self.tenant["url"]},
                         data={"csrfmiddlewaretoken": token.group(1) if token else "",
                               "username": self.account["email"], "password": self.account["password"]},
                         name="POST /accounts/login/", allow_redirects=False)

    def _get(self, path, name, headers):
        with self.client.get(path, headers=headers, name=name, catch_response=True) as resp:
            self._judge(resp)

    def _judge(self, resp):
        if resp.status_code == 0 or resp.status_code >= 500:
            resp.failure(f"5xx {resp.status_code}")
        elif resp.status_code in (401, 403):
            resp.failure(f"denied {resp.status_code}")
        else:
            resp.success()

    # ---------------------------------------------------------------- pages
    @task(2)
    def dashboard(self):
        self._get("/", "page /", self.host_header)

    @task(1)
    def data_page(self):
        self._get("/data/", "page /data/", self.host_header)

    @task(1)
    def models_page(self):
        self._get("/models/", "page /models/", self.host_header)

    @task(2)
    def forecast_page(self):
        store, dept = random.choice(self.series)
        self._get(f"/forecasts/?store={store}&dept={dept}", "page /forecasts/", self.host_header)

    # ------------------------------------------------------------ API reads
    @task(3)
    def api_forecasts(self):
        store, dept = random.choice(self.series)
        self._get(f"/api/v1/forecasts/?store={store}&dept={dept}", "GET /api/v1/forecasts/", self.api)

    @task(2)
    def api_sales(self):
        store, dept = random.choice(self.series)
        self._get(f"/api/v1/sales/?store={store}&dept={dept}", "GET /api/v1/sales/", self.api)

    @task(1)
    def api_models(self):
        self._get("/api/v1/models/", "GET /api/v1/models/", self.api)

    @task(1)
    def api_summary(self):
        self._get("/api/v1/datasets/summary/", "GET /api/v1/datasets/summary/", self.api)

    @task(1)
    def api_uploads(self):
        self._get("/api/v1/uploads/", "GET /api/v1/uploads/", self.api)

    # --------------------------------------------------------------- writes
    @task(2)
    def on_demand_forecast(self):
        store, dept = random.choice(self.series)
        with self.client.post("/api/v1/forecasts/", json={"store": store, "dept": dept, "horizon": 13},
                              headers=self.api, name="POST /api/v1/forecasts/", catch_response=True) as resp:
            self._judge(resp)

    @task(1)
    def upload(self):
        store, dept = random.choice(self.series)
        body = f"Store,Dept,Date,Weekly_Sales,IsHoliday\n{store},{dept},2010-02-05,{random.randint(100, 9999)}.5,FALSE\n"
        with self.client.post("/api/v1/uploads/", files={"file": ("sales.csv", body.encode())}, headers=self.api,
                              name="POST /api/v1/uploads/", catch_response=True) as resp:
            self._judge(resp)

    @task(1)
    def train(self):
        if random.random() > 0.02:  # a few trainings over the run, not one per second
            return
        with self.client.post("/api/v1/models/train/", json={"horizon": 13, "backtest_windows": 2},
                              headers=self.api, name="POST /api/v1/models/train/", catch_response=True) as resp:
            self._judge(resp)
