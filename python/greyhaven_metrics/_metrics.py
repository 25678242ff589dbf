"""The contract's metric families on prometheus_client, with a cardinality cap.

Why prometheus_client and not a hand-written core as in the TypeScript package: its multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, one mmap file per worker process, merged at scrape time) is how several
uvicorn/gunicorn workers expose one consistent set of counters, and only its own value classes write those
files. The hot path stays short anyway: one dict lookup keyed by the ``(method, route, status)`` tuple (a tuple,
never a joined string, so label sets cannot collide) to a cached pair of children, then ``inc`` and ``observe``.

Label sets past ``max_label_sets`` are folded into ``route="__overflow__"`` (method and status kept) and counted
in ``greyhaven_metrics_overflow_total{metric=...}``, as the TypeScript package does; the defaults are the
policy's (``policy.json``: 1000 label sets, routes cut at 200 characters, a zero ``status="500"`` label set
created with each new route), which the TypeScript package reads too.
In multiprocess mode the cap applies per process.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import GaugeMetricFamily

from ._contract import (
    CONTRACT,
    DB_POOL_CONNECTIONS_ACTIVE,
    DB_POOL_CONNECTIONS_MAX,
    HTTP_ACTIVE_CONNECTIONS,
    HTTP_LABELS,
    HTTP_REQUEST_DURATION_SECONDS,
    HTTP_REQUESTS_TOTAL,
    METRICS_OVERFLOW_TOTAL,
    OVERFLOW_METRIC_LABEL,
    POLICY,
)
from ._labels import _METHODS, normalize_method, sanitize_label_value

log = logging.getLogger("greyhaven_metrics")

ErrorHandler = Callable[[BaseException, str], None]

#: The HTTP families the cap folds, by name (the values of the overflow counter's ``metric`` label).
CAPPED_FAMILIES = POLICY.capped_metrics


def multiprocess_dir() -> Optional[str]:
    """The prometheus_client multiprocess directory, if multiprocess mode is on for this process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir") or None


def _default_on_error() -> ErrorHandler:
    seen: Set[str] = set()

    def on_error(error: BaseException, where: str) -> None:
        if where in seen:
            return
        seen.add(where)
        log.warning("%s failed (reported once): %r", where, error, exc_info=error)

    return on_error


class DbPool:
    """One database pool's size, for ``db_pool_connections_active`` / ``db_pool_connections_max`` (summed
    over every pool of the process, and in multiprocess mode over live processes). Created by
    ``GreyHavenMetrics.db_pool()``.

    Either track checkouts (``with pool.checkout(): ...``, or ``acquired()``/``released()`` from your pool's
    event hooks) or set both values from your pool's own counters (``pool.set(active=..., max=...)``).
    """

    def __init__(self, owner: "GreyHavenMetrics", max_size: float) -> None:
        self._owner = owner
        self.active = 0.0
        self.max = float(max_size)

    def set(self, *, active: Optional[float] = None, max: Optional[float] = None) -> None:
        if active is not None:
            self.active = float(active)
        if max is not None:
            self.max = float(max)
        self._owner._pools_changed()

    def acquired(self) -> None:
        self.active += 1
        self._owner._pools_changed()

    def released(self) -> None:
        self.active -= 1
        self._owner._pools_changed()

    @contextmanager
    def checkout(self) -> Iterator[None]:
        """Counts one connection as checked out for the duration of the block."""
        self.acquired()
        try:
            yield
        finally:
            self.released()

    def close(self) -> None:
        """Stops reporting this pool."""
        self._owner._remove_pool(self)


class _CallbackPool:
    def __init__(self, active: Callable[[], float], max: Callable[[], float]) -> None:
        self.read_active = active
        self.read_max = max


class _DbPoolCollector:
    """Single-process mode: reads the pools at scrape time; no pool registered, no samples (as in TypeScript)."""

    def __init__(self, owner: "GreyHavenMetrics") -> None:
        self._owner = owner

    def describe(self) -> List[GaugeMetricFamily]:
        return []

    def collect(self) -> List[GaugeMetricFamily]:
        sums = self._owner._read_pools()
        if sums is None:
            return []
        active = GaugeMetricFamily(DB_POOL_CONNECTIONS_ACTIVE.name, DB_POOL_CONNECTIONS_ACTIVE.help, value=sums[0])
        max_ = GaugeMetricFamily(DB_POOL_CONNECTIONS_MAX.name, DB_POOL_CONNECTIONS_MAX.help, value=sums[1])
        return [active, max_]


class GreyHavenMetrics:
    """The contract's metric families for one process, in ``registry`` (a fresh ``CollectorRegistry`` by
    default; prometheus_client's default registry is rendered beside it by the /metrics endpoint).

    In multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set before prometheus_client is imported) the values go
    to the per-process files and /metrics renders the merged files instead; gauges use ``livesum``.
    """

    def __init__(
        self,
        *,
        registry: Optional[CollectorRegistry] = None,
        max_label_sets: int = POLICY.max_label_sets,
        max_route_length: int = POLICY.max_route_length,
        pre_init_server_errors: bool = POLICY.pre_init_server_errors,
        on_error: Optional[ErrorHandler] = None,
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.max_label_sets = max(0, int(max_label_sets)) if math.isfinite(max_label_sets) else POLICY.max_label_sets
        self.max_route_length = (
            max(1, int(max_route_length)) if math.isfinite(max_route_length) else POLICY.max_route_length
        )
        self.pre_init_server_errors = pre_init_server_errors
        self.on_error: ErrorHandler = on_error or _default_on_error()
        self.multiprocess = multiprocess_dir() is not None

        self.requests = Counter(HTTP_REQUESTS_TOTAL.name, HTTP_REQUESTS_TOTAL.help, HTTP_LABELS, registry=self.registry)
        self.duration = Histogram(
            HTTP_REQUEST_DURATION_SECONDS.name,
            HTTP_REQUEST_DURATION_SECONDS.help,
            HTTP_LABELS,
            buckets=HTTP_REQUEST_DURATION_SECONDS.buckets or (),
            registry=self.registry,
        )
        self.overflow = Counter(
            METRICS_OVERFLOW_TOTAL.name, METRICS_OVERFLOW_TOTAL.help, METRICS_OVERFLOW_TOTAL.labels, registry=self.registry
        )
        self._overflow_children = [self.overflow.labels(**{OVERFLOW_METRIC_LABEL: f}) for f in CAPPED_FAMILIES]

        # In flight requests. Single process: a plain int read at scrape time (cheapest on the hot path).
        # Multiprocess: a livesum gauge, so the merged value is the sum over live workers.
        self._in_flight = 0
        if self.multiprocess:
            self.active = Gauge(
                HTTP_ACTIVE_CONNECTIONS.name, HTTP_ACTIVE_CONNECTIONS.help, registry=self.registry, multiprocess_mode="livesum"
            )
            self.request_started: Callable[[], None] = self.active.inc
            self.request_finished: Callable[[], None] = self.active.dec
        else:
            self.active = Gauge(HTTP_ACTIVE_CONNECTIONS.name, HTTP_ACTIVE_CONNECTIONS.help, registry=self.registry)
            self.active.set_function(lambda: self._in_flight)
            self.request_started = self._started
            self.request_finished = self._finished

        self._lock = threading.Lock()
        #: (method label, route as given, status code) -> (counter child, histogram child)
        self._series: Dict[Tuple[str, str, int], Tuple[Counter, Histogram]] = {}
        self._overflow_series: Dict[Tuple[str, int], Tuple[Counter, Histogram]] = {}
        self._label_sets = 0
        self._folded = 0

        self._pools: List[DbPool] = []
        self._callback_pools: List[_CallbackPool] = []
        self._pool_gauges: Optional[Tuple[Gauge, Gauge]] = None
        if not self.multiprocess:
            self.registry.register(_DbPoolCollector(self))

    # ----- in flight -----

    def _started(self) -> None:
        self._in_flight += 1

    def _finished(self) -> None:
        self._in_flight -= 1

    # ----- requests -----

    @property
    def label_set_count(self) -> int:
        """Label sets held (overflow series excluded)."""
        return self._label_sets

    @property
    def folded_count(self) -> int:
        """Observations folded into overflow series so far."""
        return self._folded

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Records one finished request: counts it and observes its duration. ``method`` is the request method
        (normalised here), ``route`` the template or placeholder, ``status`` the response status code."""
        m = _METHODS.get(method)
        if m is None:
            m = normalize_method(method)
        pair = self._series.get((m, route, status))
        if pair is None:
            pair = self._create(m, route, status)
        pair[0].inc()
        pair[1].observe(seconds if seconds >= 0.0 else 0.0)

    def held_series(self, method: str, route: str, status: int) -> Optional[Tuple[Counter, Histogram]]:
        """The (counter, histogram) children ``observe(method, route, status, …)`` records into, when that label
        set is held exactly as given (created, not folded into overflow, route not re-sanitised); else None.
        Label sets are never dropped, so a caller may keep the pair and record into it directly: ``inc()`` and
        ``observe(max(seconds, 0))``, exactly what ``observe`` does (MetricsMiddleware's fast path)."""
        m = _METHODS.get(method)
        if m is None:
            m = normalize_method(method)
        return self._series.get((m, route, status))

    def _pair(self, method: str, route: str, status: str) -> Tuple[Counter, Histogram]:
        labels = {"method": method, "route": route, "status": status}
        return self.requests.labels(**labels), self.duration.labels(**labels)

    def _create(self, method: str, raw_route: str, status: int) -> Tuple[Counter, Histogram]:
        """Cold path: a label set seen for the first time (or one whose route needed sanitising)."""
        if not isinstance(status, int) or not 100 <= status <= 999:
            status = 500
        route = sanitize_label_value(raw_route if isinstance(raw_route, str) else str(raw_route), self.max_route_length)
        with self._lock:
            existing = self._series.get((method, route, status))
            if existing is not None:
                return existing  # the raw route sanitised to a known one
            if self._label_sets >= self.max_label_sets:
                return self._fold(method, status)
            pair = self._pair(method, route, str(status))
            self._series[(method, route, status)] = pair
            self._label_sets += 1
            if (
                self.pre_init_server_errors
                and status != 500
                and (method, route, 500) not in self._series
                and self._label_sets < self.max_label_sets
            ):
                self._series[(method, route, 500)] = self._pair(method, route, "500")
                self._label_sets += 1
            return pair

    def _fold(self, method: str, status: int) -> Tuple[Counter, Histogram]:
        self._folded += 1
        for child in self._overflow_children:
            child.inc()
        pair = self._overflow_series.get((method, status))
        if pair is None:
            pair = self._pair(method, CONTRACT.overflow_label_value, str(status))
            self._overflow_series[(method, status)] = pair
        return pair

    # ----- DB pools -----

    def db_pool(self, max_size: float = 0) -> DbPool:
        """A DB pool whose size this process reports (works in single- and multiprocess mode)."""
        pool = DbPool(self, max_size)
        with self._lock:
            self._pools.append(pool)
        self._pools_changed()
        return pool

    def register_db_pool(self, active: Callable[[], float], max: Callable[[], float]) -> Callable[[], None]:
        """Reads a pool at every scrape through two callbacks (as the TypeScript ``registerDbPool``). Returns a
        function that stops it. Single-process mode only: in multiprocess mode the worker serving a scrape cannot
        call the other workers' callbacks, so use ``db_pool()`` and update it as connections move."""
        if self.multiprocess:
            raise RuntimeError(
                "register_db_pool reads the pool at scrape time, which cannot see other worker processes; "
                "in multiprocess mode use metrics.db_pool(max_size) and pool.checkout() / pool.set()"
            )
        pool = _CallbackPool(active, max)
        with self._lock:
            self._callback_pools.append(pool)

        def stop() -> None:
            with self._lock:
                if pool in self._callback_pools:
                    self._callback_pools.remove(pool)

        return stop

    def _remove_pool(self, pool: DbPool) -> None:
        with self._lock:
            if pool in self._pools:
                self._pools.remove(pool)
        self._pools_changed()

    def _read_pools(self) -> Optional[Tuple[float, float]]:
        with self._lock:
            pools = list(self._pools)
            callbacks = list(self._callback_pools)
        if not pools and not callbacks:
            return None
        active = sum(p.active for p in pools)
        max_ = sum(p.max for p in pools)
        ok = bool(pools)
        for cb in callbacks:
            try:
                a = cb.read_active()
                m = cb.read_max()
                if isinstance(a, bool) or isinstance(m, bool) or not isinstance(a, (int, float)) or not isinstance(m, (int, float)):
                    raise TypeError(f"DB pool callbacks returned {a!r} / {m!r}, expected numbers")
                if not (math.isfinite(a) and math.isfinite(m)):
                    raise ValueError(f"DB pool callbacks returned {a!r} / {m!r}, expected finite numbers")
                active += a
                max_ += m
                ok = True
            except Exception as error:  # a broken callback drops its sample, never the scrape
                self.on_error(error, "db pool read")
        return (active, max_) if ok else None

    def _pools_changed(self) -> None:
        if not self.multiprocess:
            return  # read at scrape time
        try:
            if self._pool_gauges is None:
                with self._lock:
                    if self._pool_gauges is None:
                        self._pool_gauges = (
                            Gauge(
                                DB_POOL_CONNECTIONS_ACTIVE.name,
                                DB_POOL_CONNECTIONS_ACTIVE.help,
                                registry=self.registry,
                                multiprocess_mode="livesum",
                            ),
                            Gauge(
                                DB_POOL_CONNECTIONS_MAX.name,
                                DB_POOL_CONNECTIONS_MAX.help,
                                registry=self.registry,
                                multiprocess_mode="livesum",
                            ),
                        )
            sums = self._read_pools() or (0.0, 0.0)
            self._pool_gauges[0].set(sums[0])
            self._pool_gauges[1].set(sums[1])
        except Exception as error:
            self.on_error(error, "db pool update")


_default: Optional[GreyHavenMetrics] = None
_default_lock = threading.Lock()


def default_metrics() -> GreyHavenMetrics:
    """The process-wide instance the middleware and /metrics use unless given one."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = GreyHavenMetrics()
    return _default
