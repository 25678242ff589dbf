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
from time import thread_time
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


async def _send_nothing(message: Dict[str, Any]) -> None:
    return None


async def _receive_request() -> Dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _asgi_loop(app: Any, reqs: List[Dict[str, Any]], n: int) -> float:
    """CPU seconds per request: ``n`` direct ASGI calls (no server, no network, the lightest receive/send)."""
    t0 = thread_time()
    for i in range(n):
        await app(dict(reqs[i % 100]), _receive_request, _send_nothing)
    return (thread_time() - t0) / n


def _calls_loop(inc: Any, observe: Any, n: int) -> float:
    """Seconds per request of prometheus_client's own calls on cached label children: one counter inc() and one
    histogram observe(), the least any prometheus_client-based middleware pays per request."""
    t0 = thread_time()
    for i in range(n):
        inc()
        observe(0.003)
    return (thread_time() - t0) / n


def _empty_loop(n: int) -> float:
    """The bare ``for`` loop of _calls_loop (two no-op calls), subtracted from it."""
    nop = _nop
    t0 = thread_time()
    for i in range(n):
        nop()
        nop(0.003)
    return (thread_time() - t0) / n


def _nop(*_: Any) -> None:
    return None


OWN_COST_GOAL = 1.5


class PassThrough:
    """For attribution: the least a pure ASGI middleware that sees the response status does (one coroutine layer,
    a send wrapper closure per request, the status read), and nothing else."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        status = 0

        async def send_wrapper(message: Any) -> None:
            nonlocal status
            if status == 0 and message["type"] == "http.response.start":
                status = message.get("status") or 500
            await send(message)

        await self.app(scope, receive, send_wrapper)


def own_cost(rounds: int, n: int) -> List[str]:
    """MetricsMiddleware's own cost per request (middleware around the minimal app − the minimal app alone), beside
    the cost of prometheus_client's counter+histogram calls; all interleaved round by round (rotating order).

    Timed with this thread's CPU time (``time.thread_time``), not wall time: on a shared machine (2 cores, load
    average ≈10 while this was written) wall time counts the slices other processes get, and the per-round
    ratios scattered from 0.5× to 20×; CPU time leaves out the time this thread waits to run."""
    reqs = scopes()
    bare = minimal_app
    ours = MetricsMiddleware(minimal_app, metrics=GreyHavenMetrics())
    passthrough = PassThrough(minimal_app)
    registry = CollectorRegistry()
    c = Counter("t_total", "t", ["method", "route", "status"], registry=registry).labels("GET", "/users/{user_id}", "200")
    h = Histogram(
        "t_seconds", "t", ["method", "route", "status"], buckets=[0.01, 0.05, 0.1, 0.2, 0.5, 1, 2], registry=registry
    ).labels("GET", "/users/{user_id}", "200")

    loop = asyncio.new_event_loop()
    try:
        steps = [
            ("bare", lambda: loop.run_until_complete(_asgi_loop(bare, reqs, n))),
            ("ours", lambda: loop.run_until_complete(_asgi_loop(ours, reqs, n))),
            ("pass", lambda: loop.run_until_complete(_asgi_loop(passthrough, reqs, n))),
            ("calls", lambda: _calls_loop(c.inc, h.observe, n)),
            ("empty", lambda: _empty_loop(n)),
        ]
        for _, step in steps:  # warm-up: every label set created, caches filled
            step()
        t: Dict[str, List[float]] = {name: [] for name, _ in steps}
        gc.collect()
        gc.disable()  # a collection landing in one side's batch is noise, not cost
        try:
            for r in range(rounds):
                for name, step in steps[r % len(steps) :] + steps[: r % len(steps)]:
                    t[name].append(step())
        finally:
            gc.enable()
    finally:
        loop.close()
    own = [(o - b) * 1e9 for o, b in zip(t["ours"], t["bare"])]
    calls = [(c_ - e) * 1e9 for c_, e in zip(t["calls"], t["empty"])]
    floor = [(p - b) * 1e9 for p, b in zip(t["pass"], t["bare"])]
    ratios = [o / k for o, k in zip(own, calls)]
    med = statistics.median
    ratio = med(ratios)
    return [
        "| measured | ns / request, median (IQR; min–max) |",
        "| --- | ---: |",
        f"| bare ASGI app (the minimal app), direct call loop | {cell([x * 1e9 for x in t['bare']], ' ns', 0)} |",
        f"| MetricsMiddleware around it | {cell([x * 1e9 for x in t['ours']], ' ns', 0)} |",
        f"| **MetricsMiddleware's own cost** (middleware − bare, per round) | {cell(own, ' ns', 0)} |",
        f"| prometheus_client's counter inc() + histogram observe() on cached children (− empty loop) | {cell(calls, ' ns', 0)} |",
        f"| attribution: a pass-through ASGI middleware reading the status, nothing recorded (− bare) | {cell(floor, ' ns', 0)} |",
        "",
        f"python middleware own cost: {ratio:.2f}× prometheus_client's counter+histogram calls "
        f"(per round: {cell(ratios)}) — goal ≤ {OWN_COST_GOAL}× {'✓' if ratio <= OWN_COST_GOAL else '✗'}",
        "",
        f"Of the own cost, the pass-through middleware's {med(floor):.0f} ns is what any pure ASGI middleware that "
        f"reads the status pays before recording anything; own cost − that floor = {med(own) - med(floor):.0f} ns "
        f"= {(med(own) - med(floor)) / med(calls):.2f}× the calls. A middleware that only made the calls inside "
        f"that pass-through would cost (calls + floor) = {(med(calls) + med(floor)) / med(calls):.2f}× the calls: "
        f"the least a pure ASGI middleware using prometheus_client's public API pays here.",
    ]


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
    if not CHILD:
        own_rounds = 5 if QUICK else 40
        own_n = 2_000 if QUICK else 10_000
        print(
            f"### MetricsMiddleware's own cost, {mode} ({own_rounds} interleaved rounds × {own_n} direct ASGI calls, "
            "no network; this thread's CPU time; GC paused during rounds)\n"
        )
        print("\n".join(own_cost(own_rounds, own_n)) + "\n")
    sys.stdout.flush()
    if not CHILD:
        with tempfile.TemporaryDirectory(prefix="ghmon-bench-mp-") as mp_dir:
            env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=mp_dir)
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"], env=env)
            if r.returncode != 0:
                sys.exit(r.returncode)


if __name__ == "__main__":
    main()
