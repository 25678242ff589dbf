"""The package emits exactly the contract (contract.json): every metric, with its type, help, labels and
buckets, and nothing else under our names."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any, Dict, List

import pytest
from helpers import client_for, run
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from greyhaven_metrics import (
    CONTRACT,
    POLICY,
    ContractError,
    GreyHavenMetrics,
    MetricsMiddleware,
    parse_contract,
    parse_policy,
)
from greyhaven_metrics._contract import ROLES


def contract_data() -> Dict[str, Any]:
    return json.loads(resources.files("greyhaven_metrics").joinpath("contract.json").read_text())


def test_every_contract_metric_has_a_role_in_the_package() -> None:
    assert set(ROLES) == {m.name for m in CONTRACT.metrics}


def _exposed(openmetrics: bool) -> Dict[str, Any]:
    metrics = GreyHavenMetrics()
    metrics.db_pool(max_size=4)
    from fastapi import FastAPI

    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=metrics, registries=[])

    @app.get("/users/{user_id}")
    async def user(user_id: str) -> Any:
        return {}

    async def go() -> str:
        async with client_for(app) as c:
            await c.get("/users/1")
            accept = "application/openmetrics-text; version=1.0.0" if openmetrics else "text/plain"
            return (await c.get("/metrics", headers={"accept": accept})).text

    body = run(go())
    families = parse_openmetrics(body) if openmetrics else parse_text(body)
    return {f.name: f for f in families}


@pytest.mark.parametrize("openmetrics", [True, False], ids=["openmetrics", "text"])
def test_exposes_exactly_the_contract_families_types_help_labels_and_buckets(openmetrics: bool) -> None:
    families = _exposed(openmetrics)
    expected = {}
    for m in CONTRACT.metrics:
        # prometheus_client's parsers name counter families without `_total`.
        expected[m.name[: -len("_total")] if m.type == "counter" else m.name] = m
    assert set(families) == set(expected)
    for name, spec in expected.items():
        family = families[name]
        assert family.type == spec.type
        assert family.documentation == spec.help
        assert family.samples, f"{name} has no samples"
        for sample in family.samples:
            labels = set(sample.labels) - {"le"}
            assert labels == set(spec.labels), f"{sample.name} has labels {sorted(labels)}"
        if spec.type == "histogram":
            bounds = sorted({float(s.labels["le"]) for s in family.samples if s.name.endswith("_bucket")})
            assert bounds == list(spec.buckets or ()) + [float("inf")]
            names = {s.name for s in family.samples}
            assert names == {f"{spec.name}_bucket", f"{spec.name}_sum", f"{spec.name}_count"}


def test_parse_contract_rejects_malformed_input() -> None:
    data = contract_data()
    assert parse_contract(data) == CONTRACT
    bad: List[Dict[str, Any]] = []
    v2 = copy.deepcopy(data)
    v2["version"] = 2
    bad.append(v2)
    unsorted = copy.deepcopy(data)
    for m in unsorted["metrics"]:
        if "buckets" in m:
            m["buckets"] = list(reversed(m["buckets"]))
    bad.append(unsorted)
    no_labels = copy.deepcopy(data)
    no_labels["metrics"][0]["labels"] = "method"
    bad.append(no_labels)
    for d in bad:
        with pytest.raises(ContractError):
            parse_contract(d)


def test_parse_policy_rejects_malformed_input() -> None:
    data = json.loads(resources.files("greyhaven_metrics").joinpath("policy.json").read_text())
    assert parse_policy(data) == POLICY
    bad: List[Dict[str, Any]] = []
    for key, value in (("version", 2), ("maxLabelSets", -1), ("maxRouteLength", "200"), ("preInitServerErrors", 1)):
        broken = copy.deepcopy(data)
        broken[key] = value
        bad.append(broken)
    broken_regex = copy.deepcopy(data)
    broken_regex["pathNormaliser"]["segmentRules"][0]["pattern"] = "[0-9"
    bad.append(broken_regex)
    for d in bad:
        with pytest.raises(ContractError):
            parse_policy(d)
