"""The metric contract and the instrumentation policy, read from ``contract.json`` and ``policy.json`` (shipped
in this package).

Both are generated from the TypeScript contract (``packages/contract/src/index.ts``, ``contractJson()`` and
``policyJson()``); ``python/contract.test.ts`` fails if a shipped copy and the TypeScript one differ, and
``npx tsx python/sync-contract.ts`` regenerates them. Names, types, help texts, labels and buckets come from
``contract.json``; the label-set cap, the route length, the client-closed status and the path normaliser's rules
from ``policy.json``. This module only looks metrics up by name and checks that both have the shape the
middleware needs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Dict, Mapping, Optional, Tuple

SUPPORTED_VERSION = 1

@dataclass(frozen=True)
class MetricSpec:
    name: str
    type: str
    help: str
    labels: Tuple[str, ...]
    buckets: Optional[Tuple[float, ...]] = None


@dataclass(frozen=True)
class Contract:
    version: int
    service_label: str
    scrape_labels: Tuple[str, ...]
    http_methods: Tuple[str, ...]
    other_method: str
    unmatched_route: str
    overflow_label_value: str
    metrics: Tuple[MetricSpec, ...]

    def metric(self, name: str, type_: str) -> MetricSpec:
        """The metric named ``name``; raises if the contract lacks it or gives it another type."""
        for m in self.metrics:
            if m.name == name:
                if m.type != type_:
                    raise ValueError(f"contract: {name} is a {m.type}, expected a {type_}")
                return m
        raise ValueError(f"contract: no metric named {name}")


class ContractError(ValueError):
    pass


def _str_tuple(value: Any, where: str) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContractError(f"contract: {where} must be a list of strings")
    return tuple(value)


def parse_contract(data: Mapping[str, Any]) -> Contract:
    """Validates and converts the JSON written by ``contractJson()``."""
    if data.get("version") != SUPPORTED_VERSION:
        raise ContractError(f"contract: version {data.get('version')!r} is not supported (expected {SUPPORTED_VERSION})")
    metrics = []
    for i, m in enumerate(data.get("metrics") or []):
        if not isinstance(m, dict) or not all(isinstance(m.get(k), str) for k in ("name", "type", "help")):
            raise ContractError(f"contract: metrics[{i}] needs string name, type and help")
        buckets = m.get("buckets")
        if buckets is not None:
            if not isinstance(buckets, list) or not all(isinstance(b, (int, float)) for b in buckets):
                raise ContractError(f"contract: metrics[{i}].buckets must be a list of numbers")
            if list(buckets) != sorted(set(buckets)):
                raise ContractError(f"contract: metrics[{i}].buckets must be strictly ascending")
            buckets = tuple(float(b) for b in buckets)
        metrics.append(MetricSpec(m["name"], m["type"], m["help"], _str_tuple(m.get("labels"), f"metrics[{i}].labels"), buckets))
    for key in ("serviceLabel", "otherMethod", "unmatchedRoute", "overflowLabelValue"):
        if not isinstance(data.get(key), str):
            raise ContractError(f"contract: {key} must be a string")
    return Contract(
        version=data["version"],
        service_label=data["serviceLabel"],
        scrape_labels=_str_tuple(data.get("scrapeLabels"), "scrapeLabels"),
        http_methods=_str_tuple(data.get("httpMethods"), "httpMethods"),
        other_method=data["otherMethod"],
        unmatched_route=data["unmatchedRoute"],
        overflow_label_value=data["overflowLabelValue"],
        metrics=tuple(metrics),
    )


def _read(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def load_contract() -> Contract:
    return parse_contract(_read("contract.json"))


@dataclass(frozen=True)
class SegmentRule:
    """A path segment that ``pattern`` matches in full becomes ``placeholder``."""

    placeholder: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Policy:
    """The instrumentation policy (``policyJson()`` in packages/contract): defaults of ``GreyHavenMetrics`` and
    the rules of ``normalize_path``, the same values the TypeScript package reads."""

    version: int
    max_label_sets: int
    max_route_length: int
    pre_init_server_errors: bool
    capped_metrics: Tuple[str, ...]
    client_closed_status: int
    empty_path: str
    #: A path with no match of this is kept as is by the normaliser.
    only_if_path_matches: re.Pattern[str]
    segment_rules: Tuple[SegmentRule, ...]


def _int(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ContractError(f"policy: {where} must be an integer >= {minimum}")
    return value


def _regex(value: Any, where: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise ContractError(f"policy: {where} must be a string")
    try:
        return re.compile(value)
    except re.error as error:
        raise ContractError(f"policy: {where} is not a regular expression: {error}") from error


def parse_policy(data: Mapping[str, Any]) -> Policy:
    """Validates and converts the JSON written by ``policyJson()``. The patterns use only syntax JavaScript and
    Python share; rules are matched against whole segments (``fullmatch``), as the TypeScript package anchors them."""
    if data.get("version") != SUPPORTED_VERSION:
        raise ContractError(f"policy: version {data.get('version')!r} is not supported (expected {SUPPORTED_VERSION})")
    if not isinstance(data.get("preInitServerErrors"), bool):
        raise ContractError("policy: preInitServerErrors must be a boolean")
    normaliser = data.get("pathNormaliser")
    if not isinstance(normaliser, dict) or not isinstance(normaliser.get("emptyPath"), str):
        raise ContractError("policy: pathNormaliser needs a string emptyPath")
    rules = []
    for i, r in enumerate(normaliser.get("segmentRules") or []):
        if not isinstance(r, dict) or not isinstance(r.get("placeholder"), str):
            raise ContractError(f"policy: segmentRules[{i}] needs a string placeholder")
        rules.append(SegmentRule(r["placeholder"], _regex(r.get("pattern"), f"segmentRules[{i}].pattern")))
    return Policy(
        version=data["version"],
        max_label_sets=_int(data.get("maxLabelSets"), "maxLabelSets", 0),
        max_route_length=_int(data.get("maxRouteLength"), "maxRouteLength", 1),
        pre_init_server_errors=data["preInitServerErrors"],
        capped_metrics=_str_tuple(data.get("cappedMetrics"), "cappedMetrics"),
        client_closed_status=_int(data.get("clientClosedStatus"), "clientClosedStatus", 100),
        empty_path=normaliser["emptyPath"],
        only_if_path_matches=_regex(normaliser.get("onlyIfPathMatches"), "pathNormaliser.onlyIfPathMatches"),
        segment_rules=tuple(rules),
    )


def load_policy() -> Policy:
    return parse_policy(_read("policy.json"))


CONTRACT = load_contract()
POLICY = load_policy()

#: The status code recorded for a request whose client went away before response headers (nginx's 499).
CLIENT_CLOSED_STATUS = POLICY.client_closed_status

# The roles the middleware fills, looked up by name (the only place a metric name appears in this package);
# type, help, labels and buckets come from the contract. tests/test_contract.py asserts every contract metric
# has a role here, so a metric added to the contract without Python support fails the tests.
HTTP_REQUESTS_TOTAL = CONTRACT.metric("http_requests_total", "counter")
HTTP_REQUEST_DURATION_SECONDS = CONTRACT.metric("http_request_duration_seconds", "histogram")
HTTP_ACTIVE_CONNECTIONS = CONTRACT.metric("http_active_connections", "gauge")
DB_POOL_CONNECTIONS_ACTIVE = CONTRACT.metric("db_pool_connections_active", "gauge")
DB_POOL_CONNECTIONS_MAX = CONTRACT.metric("db_pool_connections_max", "gauge")
METRICS_OVERFLOW_TOTAL = CONTRACT.metric("greyhaven_metrics_overflow_total", "counter")

ROLES: Dict[str, MetricSpec] = {
    m.name: m
    for m in (
        HTTP_REQUESTS_TOTAL,
        HTTP_REQUEST_DURATION_SECONDS,
        HTTP_ACTIVE_CONNECTIONS,
        DB_POOL_CONNECTIONS_ACTIVE,
        DB_POOL_CONNECTIONS_MAX,
        METRICS_OVERFLOW_TOTAL,
    )
}

if HTTP_REQUESTS_TOTAL.labels != HTTP_REQUEST_DURATION_SECONDS.labels:
    raise ContractError("contract: the HTTP counter and histogram must share their labels")
if set(HTTP_REQUESTS_TOTAL.labels) != {"method", "route", "status"}:
    raise ContractError("contract: the HTTP metrics are expected to have the labels method, route and status")
if len(METRICS_OVERFLOW_TOTAL.labels) != 1:
    raise ContractError("contract: greyhaven_metrics_overflow_total must have exactly one label")
for _capped in POLICY.capped_metrics:
    if _capped not in (HTTP_REQUESTS_TOTAL.name, HTTP_REQUEST_DURATION_SECONDS.name):
        raise ContractError(f"policy: {_capped} is capped, but only the HTTP request families can be")
if HTTP_REQUEST_DURATION_SECONDS.buckets is None:
    raise ContractError("contract: http_request_duration_seconds needs buckets")
for _gauge in (HTTP_ACTIVE_CONNECTIONS, DB_POOL_CONNECTIONS_ACTIVE, DB_POOL_CONNECTIONS_MAX):
    if _gauge.labels:
        raise ContractError(f"contract: {_gauge.name} is expected to have no labels")

HTTP_LABELS = HTTP_REQUESTS_TOTAL.labels
OVERFLOW_METRIC_LABEL = METRICS_OVERFLOW_TOTAL.labels[0]
