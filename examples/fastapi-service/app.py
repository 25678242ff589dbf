"""Example FastAPI service instrumented with greyhaven_metrics: the same routes, DB pool gauges and incident
injection API as examples/ts-service, so ghmon's rules, dashboards and incident drills treat both alike.

    GET  /health                    200 "ok"
    GET  /users/{user_id}           200 JSON (404 for id 0)
    GET  /orders/{order_id}/items   200 JSON; holds a fake DB connection for the request's duration
    POST /orders/{order_id}/items   201 JSON
    GET  /metrics                   Prometheus / OpenMetrics (served by the middleware, not instrumented)
    GET  /admin/inject              current injection settings (not instrumented)
    POST /admin/inject              JSON {"errorRate"?: 0..1, "latencyMs"?: number} -> 500s / added latency on the
                                    id routes (never on /health, /metrics, /admin/*)

An injected failure is an exception raised in the endpoint (the middleware counts it as 500 and re-raises it;
Starlette answers 500), so drills exercise the exception path. Its traceback is not logged.

Run: ``PORT=8000 /usr/bin/python3 examples/fastapi-service/main.py`` (see README.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sys
from typing import Any, Dict, Optional

try:
    import greyhaven_metrics  # noqa: F401  (installed, or on PYTHONPATH)
except ImportError:  # running from the repository: use python/greyhaven_metrics
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from greyhaven_metrics import GreyHavenMetrics, MetricsMiddleware, default_metrics

ROUTES = ("/health", "/users/{user_id}", "/orders/{order_id}/items")


class InjectedFailure(RuntimeError):
    """Raised by an id route when the injected error rate says so."""


class _DropInjectedTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InjectedFailure)


logging.getLogger("uvicorn.error").addFilter(_DropInjectedTracebacks())


def _number(value: Any, current: float) -> float:
    try:
        n = float(value)
    except (TypeError, ValueError):
        return current
    return n if n == n and n not in (float("inf"), float("-inf")) else current


def clamp_injection(data: Dict[str, Any], current: Dict[str, float]) -> Dict[str, float]:
    """The same rules as ts-service: errorRate in 0..1, latencyMs in 0..60000; bad values keep the current."""
    rate = _number(data.get("errorRate", current["errorRate"]), current["errorRate"])
    latency = _number(data.get("latencyMs", current["latencyMs"]), current["latencyMs"])
    return {"errorRate": min(1.0, max(0.0, rate)), "latencyMs": min(60_000.0, max(0.0, latency))}


def _plain(n: float) -> Any:
    """Integral values as ints, so the JSON reads like ts-service's (`{"errorRate":1,"latencyMs":5}`)."""
    return int(n) if n == int(n) else n


def create_app(
    metrics: Optional[GreyHavenMetrics] = None,
    injection: Optional[Dict[str, Any]] = None,
    pool_size: int = 10,
) -> FastAPI:
    metrics = metrics if metrics is not None else default_metrics()
    state = clamp_injection(injection or {}, {"errorRate": 0.0, "latencyMs": 0.0})
    pool = metrics.db_pool(max_size=pool_size)

    app = FastAPI(title="fastapi-service", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(MetricsMiddleware, metrics=metrics, exclude_paths=["/admin/inject"])
    app.state.injection = state
    app.state.pool = pool

    async def inject() -> None:
        if state["latencyMs"] > 0:
            await asyncio.sleep(state["latencyMs"] / 1000)
        if state["errorRate"] > 0 and random.random() < state["errorRate"]:
            raise InjectedFailure("injected failure")

    @app.get("/health", response_class=PlainTextResponse)
    async def health() -> str:
        return "ok"

    @app.get("/users/{user_id}")
    async def user(user_id: str) -> Any:
        await inject()
        if user_id == "0":
            return JSONResponse({"error": "no such user"}, status_code=404)
        return {"id": user_id, "name": f"user {user_id}"}

    @app.get("/orders/{order_id}/items")
    async def items(order_id: str) -> Any:
        await inject()
        with pool.checkout():
            await asyncio.sleep(0.002)
            return {"order": order_id, "items": [{"sku": "A-1", "qty": 1}]}

    @app.post("/orders/{order_id}/items", status_code=201)
    async def add_item(order_id: str) -> Any:
        await inject()
        return {"order": order_id, "added": True}

    def current() -> Dict[str, Any]:
        return {"errorRate": _plain(state["errorRate"]), "latencyMs": _plain(state["latencyMs"])}

    @app.get("/admin/inject")
    async def get_injection() -> Any:
        return current()

    @app.post("/admin/inject")
    async def set_injection(request: Request) -> Any:
        body = await request.body()
        if len(body) > 64 * 1024:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            return JSONResponse({"error": "expected JSON {errorRate, latencyMs}"}, status_code=400)
        state.update(clamp_injection(data, state))
        return current()

    return app


app = create_app(
    injection={
        "errorRate": os.environ.get("INJECT_ERROR_RATE", 0),
        "latencyMs": os.environ.get("INJECT_LATENCY_MS", 0),
    }
)
