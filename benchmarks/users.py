"""Locust users for the concurrency benchmark: coordinators and gemeente users who log in and then view pages
the way people do (a page load or a navigation, then a pause to read).

    PYTHONPATH=. locust -f benchmarks/users.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8050

The accounts come from the environment that `python -m benchmarks` sets: NHSV_BENCH_USERS (a JSON list of
[email, role, gemeente code]) and NHSV_BENCH_PASSWORD; NHSV_BENCH_CODES and NHSV_BENCH_QUARTERS give the codes
and recent quarters to choose from. Every answer that is not a 200 with Dash's answer in it counts as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

from benchmarks.server import router_body  # the project folder is on PYTHONPATH (benchmarks.run sets it)

ACCOUNTS = itertools.cycle(json.loads(os.environ.get("NHSV_BENCH_USERS", "[]")))
ADDRESSES = (f"10.0.{n // 250}.{n % 250 + 1}" for n in itertools.count())
PASSWORD = os.environ.get("NHSV_BENCH_PASSWORD", "")
CODES = json.loads(os.environ.get("NHSV_BENCH_CODES", "[]"))
QUARTERS = json.loads(os.environ.get("NHSV_BENCH_QUARTERS", "[]"))


class MonitorUser(HttpUser):
    wait_time = between(2, 6)  # reading a page

    def on_start(self) -> None:
        self.email, self.role, self.own = next(ACCOUNTS)
        # each user at an address of its own, as people reach the production server through its reverse proxy
        # (the server trusts X-Forwarded-For from 127.0.0.1 here); from one address, 50 logins at once would meet
        # the per-address login delay, which is there against password guessing
        self.client.headers["X-Forwarded-For"] = next(ADDRESSES)
        page = self.client.get("/login", name="/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        self.client.post("/login", data={"csrf_token": token.group(1) if token else "", "email": self.email,
                                         "password": PASSWORD},
                         headers={"Referer": f"{self.host}/login"}, allow_redirects=False, name="/login (POST)")

    def _page(self) -> tuple[str, str]:
        other = random.choice(CODES) if CODES else self.own
        quarter = f"kwartaal={random.choice(QUARTERS)}" if QUARTERS and random.random() < 0.3 else ""
        if self.role == "coordinator":
            choices = [("/", quarter), ("/", quarter), (f"/gemeente/{other}", quarter),
                       ("/vergelijken", f"gemeente={other}&groep=grootte"), ("/ontwikkeling", ""),
                       ("/signalen", quarter), ("/aanlevering", quarter)]
        else:
            choices = [("/", quarter), ("/", quarter), (f"/gemeente/{self.own}", quarter),
                       ("/vergelijken", "groep=grootte"), ("/ontwikkeling", ""), ("/signalen", "")]
        path, search = random.choice(choices)
        return path, ("?" + search if search else "")

    @task
    def view(self) -> None:
        path, search = self._page()
        name = re.sub(r"GM\d{4}", "GMxxxx", path)
        if random.random() < 0.5:  # a full page load (a filter form is a GET), else a navigation in the app
            self.client.get(path + search, name=f"page {name}")
            self.client.get("/_dash-layout", name="/_dash-layout")
        with self.client.post("/_dash-update-component", json=router_body(path, search), name=f"router {name}",
                              catch_response=True) as response:
            if response.status_code != 200 or "response" not in response.text[:200]:
                response.failure(f"status {response.status_code}")
