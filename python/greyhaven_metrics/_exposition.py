"""``/metrics``: the contract's families and, beside them, the application's own prometheus_client metrics, in
the format the scraper asks for (OpenMetrics when the Accept header lists it, as Prometheus does; otherwise the
text format 0.0.4), with a content type that matches the body.

- Single process: this package's registry, without prometheus_client's ``*_created`` samples (the TypeScript
  package has none, and Prometheus would store them as extra ``*_created`` series), then every family of
  prometheus_client's default registry (or the registries given) whose name is not one of ours: a second family
  of one name would make the whole scrape fail, so a clashing one (e.g. the seed's own ``http_requests_total``
  with ``endpoint``) is left out and reported once.
- Multiprocess mode: prometheus_client's ``MultiProcessCollector`` over ``PROMETHEUS_MULTIPROC_DIR``: every
  worker's metrics merged (ours and the application's).

Rendering never raises into the caller: a failing registry is skipped and reported.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric

from ._metrics import GreyHavenMetrics, default_metrics, multiprocess_dir

_USE_DEFAULT = object()


def _without_created(metric: Metric) -> Metric:
    out = Metric(metric.name, metric.documentation, metric.type, metric.unit)
    out.samples = [s for s in metric.samples if not s.name.endswith("_created")]
    return out


_SUFFIX_ORDER = {"_bucket": 0, "_count": 1, "_sum": 2}


def _grouped(metric: Metric) -> Metric:
    """A histogram's samples grouped by label set (buckets by bound, then count, then sum). prometheus_client
    0.16's multiprocess collector emits every ``_sum`` first, which OpenMetrics parsers reject as an invalid
    grouping."""
    if metric.type != "histogram":
        return metric
    first_seen: Dict[Tuple[Tuple[str, str], ...], int] = {}
    keyed = []
    for i, s in enumerate(metric.samples):
        labels = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        group = first_seen.setdefault(labels, len(first_seen))
        suffix = s.name[len(metric.name) :]
        bound = float(s.labels["le"]) if suffix == "_bucket" else 0.0
        keyed.append(((group, _SUFFIX_ORDER.get(suffix, 3), bound, i), s))
    keyed.sort(key=lambda pair: pair[0])
    metric.samples = [s for _, s in keyed]
    return metric


class _Combined:
    """What the encoders iterate: one ``collect()`` over our families and the extra registries."""

    def __init__(self, metrics: GreyHavenMetrics, registries: Sequence[Any]) -> None:
        self.metrics = metrics
        self.registries = registries

    def collect(self) -> Iterable[Metric]:
        metrics = self.metrics
        if metrics.multiprocess:
            yield from _multiprocess_families(metrics)
            return
        taken: Set[str] = set()
        try:
            ours = [_without_created(m) for m in metrics.registry.collect()]
        except Exception as error:
            metrics.on_error(error, "rendering metrics")
            ours = []
        for m in ours:
            taken.add(m.name)
            yield m
        for registry in self.registries:
            if registry is metrics.registry:
                continue
            try:
                families: List[Metric] = list(registry.collect())
            except Exception as error:
                metrics.on_error(error, "reading a prometheus_client registry")
                continue
            for m in families:
                if m.name in taken:
                    metrics.on_error(
                        ValueError(f"prometheus_client metric {m.name} clashes with a greyhaven_metrics family and is not exposed"),
                        f"prometheus_client metric {m.name}",
                    )
                    continue
                taken.add(m.name)
                yield m


def _multiprocess_families(metrics: GreyHavenMetrics) -> Iterable[Metric]:
    from prometheus_client.multiprocess import MultiProcessCollector

    try:
        families = list(MultiProcessCollector(None, path=multiprocess_dir()).collect())
    except Exception as error:
        metrics.on_error(error, "reading multiprocess metrics")
        return []
    return [_grouped(_without_created(m)) for m in families]


def render_metrics(
    accept: Optional[str],
    metrics: Optional[GreyHavenMetrics] = None,
    registries: Any = _USE_DEFAULT,
) -> Tuple[bytes, str]:
    """Renders what /metrics serves for an Accept header: ``(body, content_type)``.

    ``registries``: prometheus_client registries rendered beside ours (default: ``[REGISTRY]``, the default
    registry; ``[]`` for none). Ignored in multiprocess mode, where every worker's metrics come from the files.
    """
    metrics = metrics if metrics is not None else default_metrics()
    extra: Sequence[Any] = [REGISTRY] if registries is _USE_DEFAULT else list(registries)
    encoder, content_type = choose_encoder(accept or "")
    combined = _Combined(metrics, extra)
    try:
        body = encoder(combined)  # type: ignore[arg-type]
    except Exception as error:  # e.g. a user collector yielding something unencodable: serve ours alone
        metrics.on_error(error, "encoding metrics")
        body = encoder(_Combined(metrics, []))  # type: ignore[arg-type]
    return body, content_type


from .auth import UNAUTHORIZED_HEADERS, auth_from_env, is_authorized


class MetricsApp:
    """A pure ASGI app serving /metrics (any method; HEAD gets no body). Mount it, or let ``MetricsMiddleware``
    answer its ``metrics_path`` with it."""

    def __init__(
        self, metrics: Optional[GreyHavenMetrics] = None, registries: Any = _USE_DEFAULT, auth: Any = _USE_DEFAULT
    ) -> None:
        self.metrics = metrics
        self.registries = registries
        # Bearer token (auth.py): a string or callable, "none" (explicitly open), default from the environment.
        self.auth = auth_from_env() if auth is _USE_DEFAULT else auth

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        accept = None
        authorization = None
        for name, value in scope.get("headers") or ():
            if name == b"accept" and accept is None:
                accept = value.decode("latin-1")
            elif name == b"authorization" and authorization is None:
                authorization = value
        if not is_authorized(authorization, self.auth):
            await send({"type": "http.response.start", "status": 401, "headers": UNAUTHORIZED_HEADERS})
            await send({"type": "http.response.body", "body": b"unauthorized\n"})
            return
        body, content_type = render_metrics(accept, self.metrics, self.registries)
        head = scope.get("method") == "HEAD"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", content_type.encode("latin-1")),
                    (b"content-length", str(len(body)).encode("latin-1")),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"" if head else body})


async def metrics_endpoint(request: Any) -> Any:
    """A Starlette/FastAPI endpoint for the process-wide metrics: ``app.add_route("/metrics", metrics_endpoint)``.
    (``MetricsMiddleware`` already serves /metrics by default; use this when you route it yourself.)"""
    from starlette.responses import Response

    if not is_authorized(request.headers.get("authorization"), auth_from_env()):
        return Response(b"unauthorized\n", status_code=401, headers=dict((k.decode(), v.decode()) for k, v in UNAUTHORIZED_HEADERS))
    body, content_type = render_metrics(request.headers.get("accept"))
    return Response(body, media_type=None, headers={"content-type": content_type, "cache-control": "no-store"})


__all__ = ["MetricsApp", "metrics_endpoint", "render_metrics"]
