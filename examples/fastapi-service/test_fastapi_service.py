"""The example FastAPI service on a real port (main.py under uvicorn): routes, /metrics, DB pool gauges, error
and latency injection. The same checks as examples/ts-service/service.test.ts.

Run: /usr/bin/python3 -m pytest -q examples/fastapi-service (npm test runs it through python/pytest.test.ts)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterator

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python", "tests"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

import httpx  # noqa: E402
import pytest  # noqa: E402
from helpers import OPENMETRICS_ACCEPT, clean_env, find, free_port, samples_of, stop, wait_for_http  # noqa: E402

from greyhaven_metrics import CONTRACT  # noqa: E402


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "main.py")],
        env=clean_env(PORT=str(port), HOST="127.0.0.1", PYTHONDONTWRITEBYTECODE="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health", proc)
        yield url
    finally:
        stop(proc)


def scrape(base: str) -> list:
    r = httpx.get(f"{base}/metrics", headers={"accept": OPENMETRICS_ACCEPT})
    assert r.headers["content-type"].startswith("application/openmetrics-text")
    return samples_of(r.text, openmetrics=True)


def test_serves_id_routes_labelled_by_template_and_metrics_with_db_pool_gauges(base: str) -> None:
    with httpx.Client(base_url=base) as c:
        for i in (1, 2, 3):
            assert c.get(f"/users/{i}").status_code == 200
        assert c.get("/users/0").status_code == 404
        r = c.get("/orders/17/items")
        assert r.status_code == 200 and r.json() == {"order": "17", "items": [{"sku": "A-1", "qty": 1}]}
        assert c.post("/orders/17/items").status_code == 201
        assert c.get("/nothing/here").status_code == 404
        assert c.get("/health").text == "ok"
    s = scrape(base)
    assert find(s, "http_requests_total", method="GET", route="/health", status="200") >= 1
    assert find(s, "http_requests_total", method="GET", route="/users/{user_id}", status="200") == 3
    assert find(s, "http_requests_total", method="GET", route="/users/{user_id}", status="404") == 1
    assert find(s, "http_requests_total", method="GET", route="/orders/{order_id}/items", status="200") == 1
    assert find(s, "http_requests_total", method="POST", route="/orders/{order_id}/items", status="201") == 1
    assert find(s, "http_requests_total", method="GET", route=CONTRACT.unmatched_route, status="404") == 1
    assert find(s, "db_pool_connections_max") == 10
    assert find(s, "db_pool_connections_active") == 0


def test_injects_errors_and_latency_on_the_id_routes_only_switchable_at_run_time(base: str) -> None:
    with httpx.Client(base_url=base) as c:
        r = c.post("/admin/inject", json={"errorRate": 1, "latencyMs": 5})
        assert r.json() == {"errorRate": 1, "latencyMs": 5}
        assert c.get("/admin/inject").json() == {"errorRate": 1, "latencyMs": 5}
        assert c.get("/users/5").status_code == 500
        assert c.get("/health").status_code == 200
        assert c.post("/admin/inject", content=b"not json").status_code == 400
        c.post("/admin/inject", json={"errorRate": 0, "latencyMs": 0})
        assert c.get("/users/5").status_code == 200
        # Out-of-range values are clamped, as in ts-service.
        assert c.post("/admin/inject", json={"errorRate": 7, "latencyMs": -3}).json() == {"errorRate": 1, "latencyMs": 0}
        c.post("/admin/inject", json={"errorRate": 0})
    s = scrape(base)
    assert find(s, "http_requests_total", method="GET", route="/users/{user_id}", status="500") == 1
    # A 500 from an injected exception is timed like any other request: ≥ the 5ms injected latency.
    assert find(s, "http_request_duration_seconds_sum", method="GET", route="/users/{user_id}", status="500") >= 0.005
    assert not [ls for n, ls, _ in s if ls.get("route") == "/admin/inject"]
