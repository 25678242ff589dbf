"""MetricsMiddleware's fast path (cached label children per method, route template and status) records exactly what
the full path records: every request counted, overflow folds counted each time, odd statuses still 500, and a
mounted route's template still prefixed. Driven through the ASGI interface directly (no server)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional

from greyhaven_metrics import CONTRACT, GreyHavenMetrics, MetricsMiddleware

REQ = "http_requests_total"


class _Route:
    def __init__(self, path: str) -> None:
        self.path = path


ROUTES = {"/a": _Route("/a"), "/b": _Route("/b"), "/c": _Route("/c"), "/items": _Route("/items")}


async def app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    """Sets the matched route as FastAPI does; under /v1 acts as a mount (inner root_path /v1)."""
    path = scope["path"]
    if path.startswith("/v1/"):
        scope["root_path"] = scope.get("root_path", "") + "/v1"
        path = path[3:]
    scope["route"] = ROUTES[path]
    await send({"type": "http.response.start", "status": scope["status_to_send"], "headers": []})
    await send({"type": "http.response.body", "body": b""})


def request(mw: MetricsMiddleware, path: str, status: Any = 200, times: int = 1) -> None:
    async def go() -> None:
        for _ in range(times):
            scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "status_to_send": status}

            async def receive() -> Dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: Dict[str, Any]) -> None:
                return None

            await mw(scope, receive, send)

    asyncio.run(go())


def count(metrics: GreyHavenMetrics, route: str, status: str) -> Optional[float]:
    return metrics.registry.get_sample_value(REQ, {"method": "GET", "route": route, "status": status})


def test_repeated_requests_are_all_counted_and_observed() -> None:
    metrics = GreyHavenMetrics(pre_init_server_errors=False)
    mw = MetricsMiddleware(app, metrics=metrics, registries=[])
    request(mw, "/a", times=5)
    assert count(metrics, "/a", "200") == 5
    labels = {"method": "GET", "route": "/a", "status": "200"}
    assert metrics.registry.get_sample_value("http_request_duration_seconds_count", labels) == 5
    assert metrics._in_flight == 0  # noqa: SLF001


def test_folds_past_the_cap_are_counted_on_every_request() -> None:
    metrics = GreyHavenMetrics(max_label_sets=2, pre_init_server_errors=False)
    mw = MetricsMiddleware(app, metrics=metrics, registries=[])
    request(mw, "/a", times=2)
    request(mw, "/b", times=2)
    request(mw, "/c", times=3)  # past the cap: folded, never cached
    assert count(metrics, "/a", "200") == 2
    assert count(metrics, "/b", "200") == 2
    assert count(metrics, "/c", "200") is None
    assert count(metrics, CONTRACT.overflow_label_value, "200") == 3
    assert metrics.folded_count == 3


def test_a_non_integer_status_is_500_even_when_its_value_is_cached() -> None:
    metrics = GreyHavenMetrics(pre_init_server_errors=False)
    mw = MetricsMiddleware(app, metrics=metrics, registries=[])
    request(mw, "/a", status=200, times=2)
    request(mw, "/a", status=200.0, times=2)  # equal and same hash as 200: must not hit the cached 200 children
    assert count(metrics, "/a", "200") == 2
    assert count(metrics, "/a", "500") == 2


def test_a_mounted_route_keeps_its_prefix_after_the_same_template_was_cached() -> None:
    metrics = GreyHavenMetrics(pre_init_server_errors=False)
    mw = MetricsMiddleware(app, metrics=metrics, registries=[])
    request(mw, "/items", times=2)
    request(mw, "/v1/items", times=2)
    request(mw, "/items")
    assert count(metrics, "/items", "200") == 3
    assert count(metrics, "/v1/items", "200") == 2
