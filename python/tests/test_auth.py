"""/metrics bearer-token auth in MetricsMiddleware: 401 without the token (missing, wrong scheme, wrong token,
empty or missing token file), 200 with it; the token from auth=, GREYHAVEN_METRICS_TOKEN or the file
GREYHAVEN_METRICS_TOKEN_FILE names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from helpers import client_for, run

from greyhaven_metrics import GreyHavenMetrics, MetricsMiddleware
from greyhaven_metrics.auth import auth_from_env, is_authorized

TOKEN = "py-test-token-5d1e"


def app_with(**options: Any) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MetricsMiddleware, metrics=GreyHavenMetrics(), registries=[], **options)

    @app.get("/health")
    async def health() -> str:
        return "ok"

    return app


async def status(app: FastAPI, headers: dict) -> int:
    async with client_for(app) as c:
        r = await c.get("/metrics", headers=headers)
        if r.status_code == 401:
            assert r.headers["www-authenticate"] == 'Bearer realm="metrics"'
            assert "http_requests_total" not in r.text
        return r.status_code


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({}, 401),
        ({"authorization": f"Basic {TOKEN}"}, 401),
        ({"authorization": f"Bearer {TOKEN}x"}, 401),
        ({"authorization": "Bearer "}, 401),
        ({"authorization": f"Bearer {TOKEN}"}, 200),
        ({"authorization": f"bearer {TOKEN}"}, 200),
    ],
)
def test_token_option(headers: dict, expected: int) -> None:
    assert run(status(app_with(auth=TOKEN), headers)) == expected


def test_token_file_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "token"
    f.write_text(TOKEN + "\n")
    monkeypatch.delenv("GREYHAVEN_METRICS_TOKEN", raising=False)
    monkeypatch.setenv("GREYHAVEN_METRICS_TOKEN_FILE", str(f))
    app = app_with()
    assert run(status(app, {})) == 401
    assert run(status(app, {"authorization": f"Bearer {TOKEN}"})) == 200


def test_token_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREYHAVEN_METRICS_TOKEN", TOKEN)
    app = app_with()
    assert run(status(app, {"authorization": "Bearer other"})) == 401
    assert run(status(app, {"authorization": f"Bearer {TOKEN}"})) == 200


def test_open_without_token_and_with_explicit_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREYHAVEN_METRICS_TOKEN", raising=False)
    monkeypatch.delenv("GREYHAVEN_METRICS_TOKEN_FILE", raising=False)
    assert run(status(app_with(), {})) == 200
    assert run(status(app_with(auth="none"), {})) == 200


def test_broken_token_denies(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert not is_authorized("Bearer ", auth_from_env({"GREYHAVEN_METRICS_TOKEN_FILE": str(empty)}))
    missing = auth_from_env({"GREYHAVEN_METRICS_TOKEN_FILE": str(tmp_path / "missing")})
    assert not is_authorized(f"Bearer {TOKEN}", missing)
    assert not is_authorized(b"Bearer \xff\xfe", TOKEN)  # invalid UTF-8 in the header: denied, no exception
