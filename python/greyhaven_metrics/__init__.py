"""greyhaven_metrics: Grey Haven's metric contract for Starlette/FastAPI services.

    from fastapi import FastAPI
    from greyhaven_metrics import MetricsMiddleware

    app = FastAPI()
    app.add_middleware(MetricsMiddleware)          # records every request, serves GET /metrics

Emits exactly the contract's metrics (``contract.json``, generated from packages/contract): the same names,
labels and buckets as @greyhaven/metrics, so ghmon's rules, alerts and dashboards read both; caps, route length,
client-closed status and path normaliser rules come from ``policy.json`` (generated likewise). See README.md.
"""

from ._contract import (
    CLIENT_CLOSED_STATUS,
    CONTRACT,
    POLICY,
    Contract,
    ContractError,
    MetricSpec,
    Policy,
    load_contract,
    load_policy,
    parse_contract,
    parse_policy,
)
from ._exposition import MetricsApp, metrics_endpoint, render_metrics
from ._labels import METHOD_VALUES, normalize_method, normalize_path, sanitize_label_value
from ._metrics import CAPPED_FAMILIES, DbPool, GreyHavenMetrics, default_metrics, multiprocess_dir
from ._middleware import MetricsMiddleware

__all__ = [
    "CAPPED_FAMILIES",
    "CLIENT_CLOSED_STATUS",
    "CONTRACT",
    "Contract",
    "ContractError",
    "DbPool",
    "GreyHavenMetrics",
    "METHOD_VALUES",
    "MetricSpec",
    "MetricsApp",
    "MetricsMiddleware",
    "POLICY",
    "Policy",
    "default_metrics",
    "load_contract",
    "load_policy",
    "metrics_endpoint",
    "multiprocess_dir",
    "normalize_method",
    "normalize_path",
    "parse_contract",
    "parse_policy",
    "render_metrics",
    "sanitize_label_value",
]
