"""MetricsMiddleware on real FastAPI and Starlette apps (in process, through httpx's ASGI transport), scraped
through its own /metrics and parsed with prometheus_client's OpenMetrics and text parsers."""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from helpers import OPENMETRICS_ACCEPT, client_for, find, run, samples_of, scrape_app
from prometheus_client import CollectorRegistry, Counter
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from greyhaven_metrics import CONTRACT, GreyHavenMetrics, MetricsMiddleware
from greyhaven_metrics._contract import HTTP_REQUEST_DURATION_SECONDS

REQ = "http_requests_total"
DUR = "http_request_duration_seconds"


class Boom(RuntimeError):
    pass


def make_app(metrics: GreyHavenMetrics, **options: Any) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[], **options)

    @app.get("/health")
    async def health() -> str:
        return "ok"

    @app.get("/users/{user_id}")
    async def user(user_id: int) -> Any:
        if user_id == 0:
            raise HTTPException(404, "no such user")
        return {"id": user_id}

    @app.post("/orders/{order_id}/items", status_code=201)
    async def add(order_id: str) -> Any:
        return {"order": order_id}

    @app.get("/boom")
    async def boom() -> Any:
        raise Boom("boom")

    @app.get("/stream-then-fail")
    async def stream_then_fail() -> Any:
        async def body():
            yield b"first chunk"
            raise Boom("mid-body")

        return StreamingResponse(body())

    @app.get("/admin/secret")
    async def admin() -> str:
        return "admin"

    return app


def test_labels_by_route_template_method_and_status_on_counter_and_histogram() -> None:
    metrics = GreyHavenMetrics()
    app = make_app(metrics)

    async def go() -> List[Any]:
        async with client_for(app) as c:
            assert (await c.get("/health")).status_code == 200
            for i in (1, 2, 3):
                assert (await c.get(f"/users/{i}")).status_code == 200
            assert (await c.get("/users/0")).status_code == 404
            assert (await c.post("/orders/7/items")).status_code == 201
            assert (await c.get("/nothing/here/42")).status_code == 404
            assert (await c.post("/users/5")).status_code == 405
            return await scrape_app(c)

    s = run(go())
    assert find(s, REQ, method="GET", route="/health", status="200") == 1
    assert find(s, REQ, method="GET", route="/users/{user_id}", status="200") == 3
    assert find(s, REQ, method="GET", route="/users/{user_id}", status="404") == 1
    assert find(s, REQ, method="POST", route="/orders/{order_id}/items", status="201") == 1
    # No route matched: one series for every unknown path (a URL scan cannot mint series).
    assert find(s, REQ, method="GET", route=CONTRACT.unmatched_route, status="404") == 1
    # A method the route does not allow still has the template (Starlette's partial match).
    assert find(s, REQ, method="POST", route="/users/{user_id}", status="405") == 1
    # status is on the histogram too, with the contract's buckets.
    assert find(s, f"{DUR}_count", method="GET", route="/users/{user_id}", status="200") == 3
    assert find(s, f"{DUR}_count", method="GET", route="/users/{user_id}", status="404") == 1
    les = sorted(
        {float(ls["le"]) for n, ls, _ in s if n == f"{DUR}_bucket" and ls.get("route") == "/health"} - {float("inf")}
    )
    assert les == list(HTTP_REQUEST_DURATION_SECONDS.buckets or ())
    # Raw paths never appear.
    assert not [ls for n, ls, _ in s if n == REQ and "/users/1" in ls.get("route", "")]


def test_pre_initialises_the_500_label_set_of_each_new_route() -> None:
    metrics = GreyHavenMetrics()
    app = make_app(metrics)

    async def go() -> List[Any]:
        async with client_for(app) as c:
            await c.get("/health")
            return await scrape_app(c)

    s = run(go())
    assert find(s, REQ, method="GET", route="/health", status="500") == 0
    assert find(s, f"{DUR}_count", method="GET", route="/health", status="500") == 0


def test_an_exception_is_counted_as_500_and_reraised_unchanged() -> None:
    metrics = GreyHavenMetrics()
    app = make_app(metrics)

    async def go() -> List[Any]:
        async with client_for(app) as c:
            with pytest.raises(Boom, match="^boom$"):
                await c.get("/boom")
        async with client_for(app, raise_app_exceptions=False) as c:
            r = await c.get("/boom")
            assert r.status_code == 500  # Starlette's ServerErrorMiddleware still answers
            return await scrape_app(c)

    s = run(go())
    assert find(s, REQ, method="GET", route="/boom", status="500") == 2
    assert find(s, f"{DUR}_count", method="GET", route="/boom", status="500") == 2
    assert find(s, "http_active_connections") == 0


def test_an_exception_after_headers_keeps_the_status_that_was_sent() -> None:
    metrics = GreyHavenMetrics()
    app = make_app(metrics)

    async def go() -> List[Any]:
        async with client_for(app) as c:
            with pytest.raises(Boom):
                await c.get("/stream-then-fail")
            return await scrape_app(c)

    s = run(go())
    assert find(s, REQ, method="GET", route="/stream-then-fail", status="200") == 1
    assert find(s, REQ, method="GET", route="/stream-then-fail", status="500") == 0
    assert find(s, "http_active_connections") == 0


def test_method_normalisation_follows_the_contract() -> None:
    metrics = GreyHavenMetrics()
    app = make_app(metrics)

    async def go() -> List[Any]:
        async with client_for(app) as c:
            await c.request("PURGE", "/health")
            await c.request("OPTIONS", "/health")
            return await scrape_app(c)

    s = run(go())
    methods = {ls["method"] for n, ls, _ in s if n == REQ}
    assert methods <= set(CONTRACT.http_methods) | {CONTRACT.other_method}
    assert find(s, REQ, method=CONTRACT.other_method, route="/health", status="405") == 1
    assert find(s, REQ, method="OPTIONS", route="/health", status="405") == 1


def test_active_connections_counts_requests_in_flight() -> None:
    metrics = GreyHavenMetrics()
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[])
    entered = asyncio.Event()
    release = asyncio.Event()

    @app.get("/slow")
    async def slow() -> str:
        entered.set()
        await release.wait()
        return "done"

    async def go() -> None:
        async with client_for(app) as c:
            pending = asyncio.ensure_future(c.get("/slow"))
            await asyncio.wait_for(entered.wait(), 5)
            during = await scrape_app(c)
            release.set()
            assert (await asyncio.wait_for(pending, 5)).status_code == 200
            after = await scrape_app(c)
        assert find(during, "http_active_connections") == 1
        assert find(after, "http_active_connections") == 0

    run(go())


def test_metrics_path_and_excluded_paths_are_not_instrumented() -> None:
    metrics = GreyHavenMetrics()
    app = make_app(metrics, exclude_paths=["/admin/secret"])

    async def go() -> List[Any]:
        async with client_for(app) as c:
            assert (await c.get("/admin/secret")).text == '"admin"'
            await scrape_app(c)
            return await scrape_app(c)

    s = run(go())
    routes = {ls["route"] for n, ls, _ in s if n == REQ}
    assert routes == set()


def test_serves_openmetrics_or_text_by_accept_with_a_matching_content_type() -> None:
    metrics = GreyHavenMetrics()
    app = make_app(metrics)

    async def go() -> None:
        async with client_for(app) as c:
            await c.get("/health")
            om = await c.get("/metrics", headers={"accept": OPENMETRICS_ACCEPT})
            assert om.headers["content-type"].startswith("application/openmetrics-text;")
            assert om.text.endswith("# EOF\n")
            samples_of(om.text, openmetrics=True)  # parses
            text = await c.get("/metrics")
            assert text.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
            s = samples_of(text.text)
            assert find(s, REQ, method="GET", route="/health", status="200") == 1
            # No *_created series (the TypeScript package has none; Prometheus would store them as series).
            assert "_created" not in om.text and "_created" not in text.text
            head = await c.head("/metrics")
            assert head.status_code == 200 and head.content == b""

    run(go())


def test_renders_the_application_registry_beside_ours_and_skips_a_clashing_family() -> None:
    reported: List[str] = []
    metrics = GreyHavenMetrics(on_error=lambda e, where: reported.append(where))
    user = CollectorRegistry()
    Counter("orders_placed_total", "Orders", registry=user).inc(3)
    # The seed's own counter, still registered by an app being migrated: it must not break the scrape.
    Counter("http_requests_total", "seed", ["method", "endpoint", "status"], registry=user).labels("GET", "/x", "200").inc()
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[user])

    @app.get("/health")
    async def health() -> str:
        return "ok"

    async def go() -> List[Any]:
        async with client_for(app) as c:
            await c.get("/health")
            return await scrape_app(c)

    s = run(go())
    assert find(s, "orders_placed_total") == 3
    assert not [ls for n, ls, _ in s if n == REQ and "endpoint" in ls]
    assert find(s, REQ, method="GET", route="/health", status="200") == 1
    assert "prometheus_client metric http_requests" in reported


def test_the_cardinality_cap_folds_new_label_sets_into_the_overflow_series() -> None:
    metrics = GreyHavenMetrics(max_label_sets=4)
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[])

    @app.get("/{path:path}")
    async def anything(path: str) -> str:
        return path

    # A route callback that returns raw paths: what the cap is for.
    app2 = Starlette()
    app2.add_middleware(MetricsMiddleware, metrics=metrics, registries=[], route=lambda scope: scope["path"])

    async def go() -> List[Any]:
        async with client_for(app2) as c:
            for i in range(10):
                await c.get(f"/scan/{i}")
        async with client_for(app) as c:
            return await scrape_app(c)

    s = run(go())
    routes = {ls["route"] for n, ls, _ in s if n == REQ}
    assert len(routes - {CONTRACT.overflow_label_value}) == 2  # 2 routes x (404 + pre-initialised 500) = 4
    assert CONTRACT.overflow_label_value in routes
    assert find(s, REQ, method="GET", route=CONTRACT.overflow_label_value, status="404") == 8
    assert find(s, "greyhaven_metrics_overflow_total", metric="http_requests_total") == 8
    assert find(s, "greyhaven_metrics_overflow_total", metric="http_request_duration_seconds") == 8
    assert metrics.label_set_count == 4


def test_route_values_are_cut_and_sanitised_so_the_scrape_never_breaks() -> None:
    metrics = GreyHavenMetrics(max_route_length=10)
    metrics.observe("GET", "/" + "x" * 50, 200, 0.001)
    metrics.observe("GET", "/a\x00b\ud800\"q\\\n", 200, 0.001)
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[])

    async def go() -> List[Any]:
        async with client_for(app) as c:
            return await scrape_app(c) + await scrape_app(c, openmetrics=False)

    s = run(go())
    routes = {ls["route"] for n, ls, _ in s if n == REQ}
    assert "/" + "x" * 9 in routes
    assert '/a\ufffdb\ufffd"q\\\n' in routes


def test_instrumentation_failures_never_break_the_request() -> None:
    errors: List[str] = []
    metrics = GreyHavenMetrics(on_error=lambda e, where: errors.append(where))

    def broken(*_: Any) -> None:
        raise RuntimeError("metrics bug")

    metrics.observe = broken  # type: ignore[method-assign]
    app = make_app(metrics)

    def bad_route(scope: Any) -> str:
        raise ValueError("user callback bug")

    app2 = make_app(GreyHavenMetrics(on_error=lambda e, where: errors.append(where)), route=bad_route)

    async def go() -> None:
        async with client_for(app) as c:
            r = await c.get("/users/3")
            assert r.status_code == 200 and r.json() == {"id": 3}
        async with client_for(app2) as c:
            assert (await c.get("/users/3")).status_code == 200
            s = await scrape_app(c)
            # A failing route callback still counts the request, under the normalised path.
            assert find(s, REQ, method="GET", route="/users/:id", status="200") == 1

    run(go())
    assert "recording a request" in errors
    assert "resolving the route" in errors


def test_plain_starlette_routes_and_mounted_sub_apps_get_templates() -> None:
    metrics = GreyHavenMetrics()

    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hi")

    sub = FastAPI()

    @sub.get("/items/{item_id}")
    async def item(item_id: int) -> Any:
        return {"item": item_id}

    inner = Starlette(routes=[Route("/things/{thing_id}", hello)])
    app = Starlette(
        routes=[Route("/hello/{name}", hello), Mount("/v1", app=sub), Mount("/plain", app=inner)],
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[])

    async def go() -> List[Any]:
        async with client_for(app) as c:
            assert (await c.get("/hello/world")).status_code == 200
            assert (await c.get("/hello/there")).status_code == 200
            assert (await c.get("/v1/items/3")).status_code == 200
            assert (await c.get("/plain/things/9")).status_code == 200
            assert (await c.get("/v1/nothing")).status_code == 404
            return await scrape_app(c)

    s = run(go())
    assert find(s, REQ, method="GET", route="/hello/{name}", status="200") == 2
    assert find(s, REQ, method="GET", route="/v1/items/{item_id}", status="200") == 1
    assert find(s, REQ, method="GET", route="/plain/things/{thing_id}", status="200") == 1
    assert find(s, REQ, method="GET", route=CONTRACT.unmatched_route, status="404") == 1


def test_a_path_with_no_template_and_no_404_is_normalised() -> None:
    metrics = GreyHavenMetrics()

    async def raw_app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = MetricsMiddleware(raw_app, metrics=metrics, registries=[])

    async def go() -> List[Any]:
        async with client_for(app) as c:
            await c.get("/files/123/0123456789abcdef0123")
            await c.get("/files/9/550e8400-e29b-41d4-a716-446655440000")
            return await scrape_app(c)

    s = run(go())
    assert find(s, REQ, method="GET", route="/files/:id/:hash", status="200") == 1
    assert find(s, REQ, method="GET", route="/files/:id/:uuid", status="200") == 1


def _http_scope(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
    }


def test_client_gone_before_a_response_is_counted_as_499() -> None:
    metrics = GreyHavenMetrics()

    async def waits_for_body(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        if message["type"] == "http.disconnect":
            return  # nothing to answer

    async def cancelled(scope: Any, receive: Any, send: Any) -> None:
        raise asyncio.CancelledError()

    async def go() -> None:
        async def receive() -> dict:
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            raise AssertionError("nothing should be sent")

        await MetricsMiddleware(waits_for_body, metrics=metrics)(_http_scope("/upload"), receive, send)
        with pytest.raises(asyncio.CancelledError):
            await MetricsMiddleware(cancelled, metrics=metrics)(_http_scope("/download"), receive, send)

    run(go())
    from greyhaven_metrics import render_metrics

    s = samples_of(render_metrics(None, metrics, [])[0].decode())
    assert find(s, REQ, method="GET", route="/upload", status="499") == 1
    assert find(s, REQ, method="GET", route="/download", status="499") == 1
    assert find(s, "http_active_connections") == 0


def test_websocket_and_lifespan_scopes_pass_through() -> None:
    seen: List[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    mw = MetricsMiddleware(inner, metrics=GreyHavenMetrics())

    async def go() -> None:
        async def nothing() -> dict:
            return {}

        async def ignore(message: dict) -> None:
            pass

        await mw({"type": "lifespan"}, nothing, ignore)
        await mw({"type": "websocket", "path": "/ws"}, nothing, ignore)

    run(go())
    assert seen == ["lifespan", "websocket"]


def test_db_pool_gauges_from_callbacks_and_from_checkouts() -> None:
    errors: List[str] = []
    metrics = GreyHavenMetrics(on_error=lambda e, where: errors.append(where))
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[])

    async def go() -> List[List[Any]]:
        async with client_for(app) as c:
            before = await scrape_app(c)
            stop = metrics.register_db_pool(active=lambda: 3, max=lambda: 20)
            pool = metrics.db_pool(max_size=5)
            with pool.checkout():
                during = await scrape_app(c)
            stop()
            metrics.register_db_pool(active=lambda: float("nan"), max=lambda: 1)
            after = await scrape_app(c)
            return [before, during, after]

    before, during, after = run(go())
    assert find(before, "db_pool_connections_active") is None  # no pool, no sample (as in TypeScript)
    assert find(during, "db_pool_connections_active") == 4
    assert find(during, "db_pool_connections_max") == 25
    # The broken callback drops its own sample only.
    assert find(after, "db_pool_connections_active") == 0
    assert find(after, "db_pool_connections_max") == 5
    assert "db pool read" in errors
