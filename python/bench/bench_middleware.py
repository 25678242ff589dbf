"""`npm run bench` (through scripts/bench.mjs): the per-request overhead of greyhaven_metrics' MetricsMiddleware
against the seed's ``@app.middleware("http")`` version (kept verbatim in seed_middleware.py), on the same FastAPI
routes, driven in process through the ASGI interface (no sockets: the overhead is a few microseconds, far
below a server's noise). Every variant runs in every round, in rotating order; overhead = variant − no
middleware. Reported as medians with the interquartile range and extremes across rounds. Not a test.

Run alone: /usr/bin/python3 python/bench/bench_middleware.py   (BENCH_QUICK=1 for a short smoke run)
The multiprocess section re-runs this file in a child process with PROMETHEUS_MULTIPROC_DIR set (prometheus_client
picks its value class at import, so a process is either multiprocess or not).
"""

from __future__ import annotations

import asyncio
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

QUICK = os.environ.get("BENCH_QUICK") == "1"
CHILD = "--child" in sys.argv

from fastapi import FastAPI  # noqa: E402
from prometheus_client import CollectorRegistry, Counter, Histogram  # noqa: E402

import seed_middleware  # noqa: E402  (the verbatim seed; registers its metrics in the default registry)
from greyhaven_metrics import GreyHavenMetrics, MetricsMiddleware  # noqa: E402


def add_routes(app: FastAPI) -> FastAPI:
    @app.get("/users/{user_id}")
    async def user(user_id: str) -> Dict[str, str]:
        return {"id": user_id}

    @app.post("/orders/{order_id}/items", status_code=201)
    async def add_item(order_id: str) -> Dict[str, Any]:
        return {"order": order_id, "added": True}

    return app


class SeedCallsPureAsgi:
    """For attribution only (not the reference): the seed's metric calls (raw path, ``time.time()``, labels()
    on every request, no status on the histogram) in a pure ASGI middleware instead of BaseHTTPMiddleware."""

    def __init__(self, app: Any) -> None:
        self.app = app
        registry = CollectorRegistry()
        self.total = Counter("http_requests_total", "Total HTTP requests", ["method", "endpoint", "status"], registry=registry)
        self.duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request duration in seconds",
            ["method", "endpoint"],
            buckets=[0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
            registry=registry,
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.time()
        status = 500

        async def send_wrapper(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_wrapper)
        self.duration.labels(method=scope["method"], endpoint=scope["path"]).observe(time.time() - start)
        self.total.labels(method=scope["method"], endpoint=scope["path"], status=status).inc()


def variants() -> List[Tuple[str, Any]]:
    plain = add_routes(FastAPI())
    seed = add_routes(seed_middleware.app)
    ours = FastAPI()
    ours.add_middleware(MetricsMiddleware, metrics=GreyHavenMetrics())
    add_routes(ours)
    seed_asgi = FastAPI()
    seed_asgi.add_middleware(SeedCallsPureAsgi)
    add_routes(seed_asgi)
    return [
        ("no middleware", plain),
        ('seed: @app.middleware("http"), verbatim', seed),
        ("greyhaven_metrics MetricsMiddleware", ours),
        ("seed's metric calls in a pure ASGI middleware (attribution)", seed_asgi),
    ]


def scopes() -> List[Dict[str, Any]]:
    """100 distinct URLs with ids (the seed keeps one series per raw path: keep its cardinality bounded too)."""
    out = []
    for i in range(100):
        path, method = (f"/users/{1000 + i}", "GET") if i % 2 == 0 else (f"/orders/{i}/items", "POST")
        out.append(
            {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": "1.1",
                "method": method,
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "root_path": "",
                "query_string": b"q=1",
                "headers": [(b"host", b"svc"), (b"accept", b"*/*")],
                "server": ("127.0.0.1", 8000),
                "client": ("127.0.0.1", 50000),
            }
        )
    return out


class _Connection:
    """One request's receive()/send() as uvicorn's: the (empty) body once; after that receive() waits until the
    response is complete and then reports a disconnect (BaseHTTPMiddleware's streaming response listens for one
    meanwhile). Nothing is written anywhere."""

    __slots__ = ("body_sent", "complete")

    def __init__(self) -> None:
        self.body_sent = False
        self.complete = asyncio.Event()

    async def receive(self) -> Dict[str, Any]:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.complete.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete.set()


async def batch(app: Any, reqs: List[Dict[str, Any]], n: int) -> float:
    """Seconds per request for ``n`` requests (a fresh scope dict each: Starlette writes into it)."""
    gc.collect()
    t0 = time.perf_counter()
    for i in range(n):
        conn = _Connection()
        await app(dict(reqs[i % 100]), conn.receive, conn.send)
    return (time.perf_counter() - t0) / n


def quantiles(values: List[float]) -> Tuple[float, float, float, float, float]:
    s = sorted(values)
    if len(s) == 1:
        return s[0], s[0], s[0], s[0], s[0]
    q = statistics.quantiles(s, n=4, method="inclusive")
    return q[1], q[0], q[2], s[0], s[-1]


def cell(values: List[float], unit: str = "×", digits: int = 2) -> str:
    med, p25, p75, lo, hi = quantiles(values)
    f = f"{{:.{digits}f}}"
    return f"{f.format(med)}{unit} (IQR {f.format(p25)}–{f.format(p75)}; {f.format(lo)}–{f.format(hi)})"


class _Route:
    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


_USERS = _Route("/users/{user_id}")
_ITEMS = _Route("/orders/{order_id}/items")


async def minimal_app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    """The least an ASGI app can do: set the matched route as FastAPI does, answer 200 with no body."""
    scope["route"] = _USERS if scope["method"] == "GET" else _ITEMS
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def minimal_variants() -> List[Tuple[str, Any]]:
    return [
        ("no middleware", minimal_app),
        ("seed's metric calls in a pure ASGI middleware (reference)", SeedCallsPureAsgi(minimal_app)),
        ("greyhaven_metrics MetricsMiddleware", MetricsMiddleware(minimal_app, metrics=GreyHavenMetrics())),
    ]


async def measure(vs: List[Tuple[str, Any]], ref: str, ours: str, rounds: int, n: int) -> List[str]:
    """Runs every variant in every round (rotating order); overhead = variant − the first variant, per round."""
    reqs = scopes()
    for _, app in vs:  # warm-up: build middleware stacks, create every label set
        await batch(app, reqs, 2_000 if not QUICK else 200)
    times: Dict[str, List[float]] = {name: [] for name, _ in vs}
    for r in range(rounds):
        order = vs[r % len(vs) :] + vs[: r % len(vs)]
        for name, app in order:
            times[name].append(await batch(app, reqs, n))
    base_name = vs[0][0]
    base = times[base_name]
    ref_over = [t - b for t, b in zip(times[ref], base)]
    lines = [
        "| variant | µs / request (median) | overhead µs / request, median (IQR; min–max) | overhead ratio to the reference, per round |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, _ in vs:
        total = statistics.median(times[name]) * 1e6
        if name == base_name:
            lines.append(f"| {name} | {total:.1f} | — | — |")
            continue
        over = [(t - b) * 1e6 for t, b in zip(times[name], base)]
        ratios = [(t - b) / s for t, b, s in zip(times[name], base, ref_over)]
        lines.append(f"| {name} | {total:.1f} | {cell(over, ' µs', 1)} | {cell(ratios)} |")
    med = statistics.median
    net = lambda name: med(times[name]) - med(base)  # noqa: E731
    lines.append("")
    lines.append(
        f"Net of medians (median total − median {base_name}): reference {net(ref) * 1e6:.1f} µs, "
        f"greyhaven_metrics {net(ours) * 1e6:.1f} µs → **{net(ours) / net(ref):.2f}×**."
    )
    return lines


def main() -> None:
    mp = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    mode = "multiprocess mode (PROMETHEUS_MULTIPROC_DIR)" if mp else "single process"
    rounds = 3 if QUICK else (20 if CHILD else 40)
    n = 300 if QUICK else 2_000
    if not CHILD:
        print(
            f"\n## python/greyhaven_metrics — Python {platform.python_version()}, "
            f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}\n"
        )
        print(
            "Driven in process through ASGI, 100 distinct URLs (GET /users/{id}, POST /orders/{id}/items). "
            "Overhead = variant − no middleware, in the same round; rounds rotate the order.\n"
        )
    vs = variants()
    lines = asyncio.run(measure(vs, vs[1][0], vs[2][0], rounds, n))
    print(f"### FastAPI app, {mode}: vs the seed ({rounds} rounds × {n} requests per variant)\n")
    print("\n".join(lines) + "\n")
    mvs = minimal_variants()
    lines = asyncio.run(measure(mvs, mvs[1][0], mvs[2][0], rounds, n * 5))
    print(f"### The middleware alone (a minimal ASGI app), {mode} ({rounds} rounds × {n * 5} requests per variant)\n")
    print("\n".join(lines) + "\n")
    sys.stdout.flush()
    if not CHILD:
        with tempfile.TemporaryDirectory(prefix="ghmon-bench-mp-") as mp_dir:
            env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=mp_dir)
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"], env=env)
            if r.returncode != 0:
                sys.exit(r.returncode)


if __name__ == "__main__":
    main()
