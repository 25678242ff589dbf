"""``MetricsMiddleware``: a pure ASGI middleware for Starlette and FastAPI (no ``BaseHTTPMiddleware``, no
task group, no per-request Request object).

What it records, per HTTP request:

- ``http_request_duration_seconds``: ``time.perf_counter()`` from entering the middleware to the
  ``http.response.start`` message, i.e. to response headers (as the TypeScript package). A streaming body's
  time is not in it.
- ``http_requests_total``: once, with the response status. An exception raised before response headers is
  counted as 500 and re-raised unchanged (Starlette's ServerErrorMiddleware, outside this one, then sends the
  500); a request cancelled before headers, or whose client disconnected before the app answered, is counted as
  499 (CLIENT_CLOSED_STATUS). An exception after headers were sent keeps the status that was sent.
- ``http_active_connections``: +1 on entry, -1 when the app returns or raises (after the body was sent).
- ``route``: the matched route's template (``scope["route"].path``, which FastAPI sets: ``/users/{user_id}``;
  inside a mounted sub-application the mount's prefix is prepended); for a 404 with no matched route
  ``__unmatched__``; for plain Starlette (which sets no ``scope["route"]``) the template of the first route
  that matches the path; otherwise the normalised path (``/files/:id``), under the cardinality cap.
- ``method``: the contract's methods, anything else ``other``. WebSocket and lifespan scopes pass through (in
  multiprocess mode, a completed lifespan shutdown also removes this process's live-gauge files).

The middleware never breaks a request: a failure inside it is reported to ``metrics.on_error`` and the request
goes on untouched. ``/metrics`` (``metrics_path``) is answered by the middleware itself and not instrumented;
``exclude_paths`` pass through uninstrumented.
"""

from __future__ import annotations

import asyncio
import os
from time import perf_counter
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Tuple

from ._contract import CLIENT_CLOSED_STATUS, CONTRACT
from ._exposition import _USE_DEFAULT, MetricsApp
from ._labels import normalize_path
from ._metrics import GreyHavenMetrics, default_metrics

Scope = Dict[str, Any]
Message = Dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_UNMATCHED = CONTRACT.unmatched_route
_FALLBACK_CACHE_SIZE = 4096
_NOT_FOUND = object()


class MetricsMiddleware:
    """``app.add_middleware(MetricsMiddleware)`` (FastAPI/Starlette) or ``MetricsMiddleware(asgi_app)``.

    Options (keyword-only):
      metrics: the ``GreyHavenMetrics`` to record into (default: the process-wide one).
      metrics_path: path answered with the metrics exposition, not instrumented (default ``/metrics``;
        ``None``: do not serve it).
      exclude_paths: exact paths passed through without instrumentation (admin or probe endpoints).
      route: ``callable(scope) -> str | None`` returning the route template when you know better (wins).
      registries: prometheus_client registries served beside ours on ``metrics_path`` (default: the default
        registry).
      auth: bearer token for ``metrics_path`` (auth.py): a string or a callable returning it, ``"none"``
        (explicitly open); default ``GREYHAVEN_METRICS_TOKEN`` or the file ``GREYHAVEN_METRICS_TOKEN_FILE`` names.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Optional[GreyHavenMetrics] = None,
        metrics_path: Optional[str] = "/metrics",
        exclude_paths: Iterable[str] = (),
        route: Optional[Callable[[Scope], Optional[str]]] = None,
        registries: Any = _USE_DEFAULT,
        auth: Any = _USE_DEFAULT,
    ) -> None:
        self.app = app
        self.metrics = metrics if metrics is not None else default_metrics()
        self.metrics_path = metrics_path
        self.exclude_paths = frozenset(exclude_paths)
        self._route_fn = route
        self._metrics_app = MetricsApp(self.metrics, registries, auth)
        self._router: Any = _NOT_FOUND
        self._fallback: Dict[str, Optional[str]] = {}
        #: Fast path (see _record): (method, route template, status) -> the held (counter, histogram) children.
        self._pairs: Dict[Tuple[str, str, int], Tuple[Any, Any]] = {}
        # Single process, default in-flight counting: a plain int bumped inline (it cannot fail), saving two calls a
        # request; otherwise metrics.request_started()/request_finished(), guarded.
        self._inline_in_flight = (
            not self.metrics.multiprocess and self.metrics.request_started == self.metrics._started  # noqa: SLF001
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan" and self.metrics.multiprocess:
                await self.app(scope, receive, self._lifespan_send(send))
                return
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self.metrics_path:
            await self._metrics_app(scope, receive, send)
            return
        if path in self.exclude_paths:
            await self.app(scope, receive, send)
            return

        start = perf_counter()
        root_path = scope.get("root_path", "")
        status = 0
        disconnected = False

        async def receive_wrapper() -> Message:
            nonlocal disconnected
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = True
            return message

        pairs = self._pairs if self._route_fn is None else None

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if status == 0 and message["type"] == "http.response.start":
                status = message.get("status") or 500
                seconds = perf_counter() - start
                # The fast path of _record, inlined (a call saved): a label set already cached there.
                pair = None
                if pairs is not None and type(status) is int and scope.get("root_path", "") == root_path:
                    try:
                        pair = pairs.get((scope["method"], getattr(scope.get("route"), "path", None), status))
                        if pair is not None:
                            pair[0].inc()
                            pair[1].observe(seconds if seconds >= 0.0 else 0.0)
                    except TypeError:  # an unhashable route path: left to the slow path
                        pair = None
                    except Exception as error:  # instrumentation never breaks the request
                        self.metrics.on_error(error, "recording a request")
                if pair is None:
                    self._record(scope, path, root_path, status, seconds)
            await send(message)

        metrics = self.metrics
        inline = self._inline_in_flight
        if inline:
            metrics._in_flight += 1  # noqa: SLF001
        else:
            try:
                metrics.request_started()
            except Exception as error:  # e.g. a multiprocess file that cannot be written: serve the request anyway
                metrics.on_error(error, "counting a request in flight")
        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except BaseException as error:
            if status == 0:
                status = CLIENT_CLOSED_STATUS if isinstance(error, asyncio.CancelledError) else 500
                self._record(scope, path, root_path, status, perf_counter() - start)
            raise
        else:
            if status == 0:
                # The app returned without a response: the client went away, or the server answers 500.
                status = CLIENT_CLOSED_STATUS if disconnected else 500
                self._record(scope, path, root_path, status, perf_counter() - start)
        finally:
            if inline:
                metrics._in_flight -= 1  # noqa: SLF001
            else:
                try:
                    metrics.request_finished()
                except Exception as error:
                    metrics.on_error(error, "counting a request in flight")

    def _lifespan_send(self, send: Send) -> Send:
        """Multiprocess mode: when the app has shut down, removes this process's live-gauge files
        (prometheus_client's ``mark_process_dead``), so a worker that a server restarted (uvicorn --workers, gunicorn)
        does not keep adding its last in-flight count and pool size to the ``livesum`` gauges."""

        async def lifespan_send(message: Message) -> None:
            if message.get("type") == "lifespan.shutdown.complete":
                try:
                    from prometheus_client import multiprocess

                    multiprocess.mark_process_dead(os.getpid())
                except Exception as error:
                    self.metrics.on_error(error, "marking this process dead in the multiprocess directory")
            await send(message)

        return lifespan_send

    def _record(self, scope: Scope, path: str, root_path: str, status: Any, seconds: float) -> None:
        try:
            if type(status) is not int or not 100 <= status <= 999:
                status = 500
            # Fast path, the common case: no `route` callable, a matched route outside any mount. Its template and
            # the label set it maps to are then fixed, so the held children are cached and recorded into directly
            # (what metrics.observe does after resolving the route); python/bench measures the saving.
            key: Optional[Tuple[str, str, int]] = None
            if self._route_fn is None:
                template = getattr(scope.get("route"), "path", None)
                if type(template) is str and template and scope.get("root_path", "") == root_path:
                    key = (scope["method"], template, status)
                    pair = self._pairs.get(key)
                    if pair is not None:
                        pair[0].inc()
                        pair[1].observe(seconds if seconds >= 0.0 else 0.0)
                        return
            try:
                route = self._route(scope, path, root_path, status)
            except Exception as error:  # e.g. a user `route` callable that raises: still count the request
                self.metrics.on_error(error, "resolving the route")
                route = _UNMATCHED if status == 404 else normalize_path(path)
            self.metrics.observe(scope["method"], route, status, seconds)
            if key is not None:
                held = self.metrics.held_series(key[0], route, status)
                if held is not None:  # not folded into overflow (that must count every fold)
                    if len(self._pairs) >= _FALLBACK_CACHE_SIZE:
                        self._pairs.clear()
                    self._pairs[key] = held
        except Exception as error:  # instrumentation never breaks the request
            self.metrics.on_error(error, "recording a request")

    def _route(self, scope: Scope, path: str, root_path: str, status: int) -> str:
        if self._route_fn is not None:
            template = self._route_fn(scope)
            if template:
                return template
        route = scope.get("route")
        if route is not None:
            template = getattr(route, "path", None)
            if isinstance(template, str) and template:
                inner_root = scope.get("root_path", "")
                if inner_root != root_path and inner_root.startswith(root_path):
                    # A route of a mounted sub-application: prefix the mount's path (normalised, in case the
                    # mount path has parameters).
                    template = normalize_path(inner_root[len(root_path) :]) + template
                return template
        if status == 404:
            return _UNMATCHED
        template = self._match_routes(scope, path, root_path)
        return template if template is not None else normalize_path(path)

    # ----- plain Starlette: find the template by matching the app's routes -----

    def _find_router(self) -> Any:
        app: Any = self.app
        for _ in range(32):
            if app is None:
                return None
            if isinstance(getattr(app, "routes", None), list):
                return app
            app = getattr(app, "app", None)
        return None

    def _match_routes(self, scope: Scope, path: str, root_path: str) -> Optional[str]:
        cached = self._fallback.get(path, _NOT_FOUND)
        if cached is not _NOT_FOUND:
            return cached  # type: ignore[return-value]
        if self._router is _NOT_FOUND:
            self._router = self._find_router()
        template = None
        if self._router is not None:
            probe = dict(scope)
            probe["path"] = path
            probe["root_path"] = root_path
            template = _match(self._router.routes, probe, "", 0)
        if len(self._fallback) >= _FALLBACK_CACHE_SIZE:
            self._fallback.clear()
        self._fallback[path] = template
        return template


def _match(routes: Any, scope: Scope, prefix: str, depth: int) -> Optional[str]:
    """The template of the first route matching ``scope`` (full or partial: a 405 still has a template)."""
    if depth > 8:
        return None
    try:
        from starlette.routing import Match, Mount
    except ImportError:  # pragma: no cover - pure ASGI use without Starlette
        return None
    for route in routes:
        try:
            match, child = route.matches(scope)
        except Exception:
            continue
        if match == Match.NONE:
            continue
        route_path = getattr(route, "path", None)
        if not isinstance(route_path, str):
            return None
        if isinstance(route, Mount):
            inner = dict(scope)
            inner.update(child)
            found = _match(route.routes, inner, prefix + route_path, depth + 1) if route.routes else None
            return found if found is not None else prefix + route_path + "/{path}"
        return prefix + route_path
    return None
