"""The shared table packages/contract/test-vectors/labels.json, run through greyhaven_metrics:
packages/metrics/test/contract-vectors.test.ts runs the same table through @greyhaven/metrics, so both
implementations of the policy (path normaliser, method labels, label-value sanitising, label-set cap, route length,
client-closed status) are checked against the same expected values."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Tuple

import pytest
from helpers import REPO

from greyhaven_metrics import (
    CLIENT_CLOSED_STATUS,
    GreyHavenMetrics,
    normalize_method,
    normalize_path,
    sanitize_label_value,
)

with open(os.path.join(REPO, "packages", "contract", "test-vectors", "labels.json"), encoding="utf-8") as _f:
    VECTORS: Dict[str, Any] = json.load(_f)

Row = Tuple[str, str, str, float]


def _series(metrics: GreyHavenMetrics) -> List[Row]:
    """Every label set of the request counter as (method, route, status, count), sorted."""
    rows = [
        (s.labels["method"], s.labels["route"], s.labels["status"], s.value)
        for family in metrics.requests.collect()
        for s in family.samples
        if s.name == "http_requests_total"
    ]
    return sorted(rows)


def _quiet() -> GreyHavenMetrics:
    return GreyHavenMetrics(on_error=lambda error, where: None)


def test_every_table_has_rows() -> None:
    # A table that went missing would otherwise pass vacuously.
    for table in ("normalizePath", "normalizeMethod", "sanitizeLabelValue"):
        assert len(VECTORS[table]) > 5, table


@pytest.mark.parametrize("row", VECTORS["normalizePath"], ids=lambda r: repr(r["path"]))
def test_normalize_path(row: Dict[str, str]) -> None:
    assert normalize_path(row["path"]) == row["route"]


@pytest.mark.parametrize("row", VECTORS["normalizeMethod"], ids=lambda r: repr(r["method"]))
def test_normalize_method(row: Dict[str, str]) -> None:
    assert normalize_method(row["method"]) == row["label"]


@pytest.mark.parametrize("row", VECTORS["sanitizeLabelValue"], ids=lambda r: repr(r["value"]))
def test_sanitize_label_value(row: Dict[str, Any]) -> None:
    assert sanitize_label_value(row["value"], row["maxLength"]) == row["expected"]


def test_defaults_and_client_closed_status() -> None:
    metrics = _quiet()
    assert {
        "maxLabelSets": metrics.max_label_sets,
        "maxRouteLength": metrics.max_route_length,
        "preInitServerErrors": metrics.pre_init_server_errors,
        "clientClosedStatus": CLIENT_CLOSED_STATUS,
        "clientClosedLabel": str(CLIENT_CLOSED_STATUS),
    } == VECTORS["defaults"]


def test_the_default_cap_folds_the_first_label_set_past_it() -> None:
    metrics = _quiet()
    cap = VECTORS["defaults"]["maxLabelSets"]
    # Status 500: no pre-initialised twin, so each request is exactly one label set.
    for i in range(cap + 1):
        metrics.observe("GET", f"/r{i}", 500, 0.01)
    assert (metrics.label_set_count, metrics.folded_count) == (cap, 1)


def test_the_default_route_length_cuts_a_longer_route() -> None:
    metrics = _quiet()
    metrics.observe("GET", VECTORS["routeTooLong"]["route"], 500, 0.01)  # 500: no pre-initialised twin
    assert [route for _, route, _, _ in _series(metrics)] == [VECTORS["routeTooLong"]["expected"]]


def test_a_small_cap_folds_the_same_requests_into_the_same_series() -> None:
    cap = VECTORS["cap"]
    metrics = GreyHavenMetrics(max_label_sets=cap["maxLabelSets"], on_error=lambda error, where: None)
    for method, route, status in cap["requests"]:
        metrics.observe(method, route, status, 0.01)
    assert _series(metrics) == sorted((m, r, s, float(c)) for m, r, s, c in cap["series"])
    assert (metrics.label_set_count, metrics.folded_count) == (cap["labelSets"], cap["folded"])
