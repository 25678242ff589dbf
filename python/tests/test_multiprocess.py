"""Several uvicorn workers, one consistent /metrics: prometheus_client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR) with a real `uvicorn --workers 2`, requests spread over both workers on fresh
connections, and every worker's scrape showing the merged totals."""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, Set, TypeVar

import httpx
from helpers import HERE, OPENMETRICS_ACCEPT, PYTHON_DIR, clean_env, find, free_port, samples_of, stop, wait_for_http

from greyhaven_metrics import CONTRACT

T = TypeVar("T")

#: Generous bound for a held request (they end when released): only a hung test reaches it.
HOLD_TIMEOUT_S = 40.0


def poll(read: Callable[[], T], done: Callable[[T], bool], what: str, limit_s: float, show: Callable[[T], object]) -> T:
    """Reads until ``done(value)``; fails after ``limit_s`` seconds, showing ``show(value)`` of the last read."""
    deadline = time.monotonic() + limit_s
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"timed out after {limit_s}s waiting for {what}; last read: {show(value)}"
        time.sleep(0.05)


def test_two_uvicorn_workers_expose_merged_metrics(tmp_path) -> None:
    mp_dir = tmp_path / "prom"
    mp_dir.mkdir()
    release = tmp_path / "release-holds"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "mp_app:app", "--app-dir", HERE, "--workers", "2",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=clean_env(
            PROMETHEUS_MULTIPROC_DIR=str(mp_dir),
            PYTHONPATH=PYTHON_DIR,
            PYTHONDONTWRITEBYTECODE="1",
            MP_APP_RELEASE_FILE=str(release),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_http(f"{base}/users/0", proc)
        # Fresh connection per request, so the kernel hands them to either worker; until both answered.
        pids: Set[int] = set()
        sent = 1  # the readiness probe above
        deadline = time.monotonic() + 30
        with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=5) as client:
            while (len(pids) < 2 or sent < 50) and time.monotonic() < deadline:
                pids.add(client.get(f"{base}/users/{sent}").json()["pid"])
                sent += 1
            assert len(pids) == 2, f"only {pids} answered {sent} requests"

            # Two requests hold a DB connection and stay in flight until the release file exists (mp_app.py), so
            # the scrapes below see them however slow the machine: no time window to miss.
            held: List[Dict[str, object]] = []

            def hold() -> None:
                with httpx.Client(timeout=HOLD_TIMEOUT_S) as own:
                    r = own.get(f"{base}/hold")
                    held.append({"status": r.status_code, **r.json()})

            holders = [threading.Thread(target=hold) for _ in range(2)]
            for t in holders:
                t.start()
            try:
                # Poll until both are in flight (a condition, not a window); fails if they never get there.
                during = poll(
                    lambda: samples_of(client.get(f"{base}/metrics", headers={"accept": OPENMETRICS_ACCEPT}).text, True),
                    lambda s: find(s, "http_active_connections") == 2 and find(s, "db_pool_connections_active") == 2,
                    "both held requests in flight",
                    limit_s=HOLD_TIMEOUT_S / 2,
                    show=lambda s: [x for x in s if x[0] in ("http_active_connections", "db_pool_connections_active")],
                )
            finally:
                release.touch()
                for t in holders:
                    t.join(HOLD_TIMEOUT_S)
            assert [h["status"] for h in held] == [200, 200], held
            assert all(h["released"] for h in held), held  # released by the file, not by the app's safety bound

            # The held requests have answered; their workers decrement the in-flight gauges just after the response
            # is sent, so wait for that (a condition, not a window) before reading the totals.
            poll(
                lambda: samples_of(client.get(f"{base}/metrics").text),
                lambda s: find(s, "http_active_connections") == 0 and find(s, "db_pool_connections_active") == 0,
                "the held requests no longer in flight",
                limit_s=HOLD_TIMEOUT_S / 2,
                show=lambda s: [x for x in s if x[0] in ("http_active_connections", "db_pool_connections_active")],
            )
            # Both formats, several times: whichever worker serves it, the merged totals (and valid grouping).
            scrapes = [samples_of(client.get(f"{base}/metrics").text) for _ in range(4)]
            scrapes += [
                samples_of(client.get(f"{base}/metrics", headers={"accept": OPENMETRICS_ACCEPT}).text, True)
                for _ in range(4)
            ]

        # Every worker wrote its own files.
        file_pids = {int(m.group(1)) for f in glob.glob(str(mp_dir / "*.db")) if (m := re.search(r"_(\d+)\.db$", f))}
        assert pids <= file_pids

        assert find(during, "http_active_connections") == 2
        assert find(during, "db_pool_connections_active") == 2
        for s in scrapes:  # whichever worker served the scrape
            assert find(s, "http_requests_total", method="GET", route="/users/{user_id}", status="200") == sent
            assert find(s, "http_request_duration_seconds_count", method="GET", route="/users/{user_id}", status="200") == sent
            assert find(s, "http_requests_total", method="GET", route="/users/{user_id}", status="500") == 0
            assert find(s, "http_requests_total", method="GET", route="/hold", status="200") == 2
            assert find(s, "http_active_connections") == 0
            assert find(s, "db_pool_connections_max") == 10  # 5 per worker, livesum
            assert find(s, "db_pool_connections_active") == 0
            assert find(s, "greyhaven_metrics_overflow_total", metric="http_requests_total") == 0
            names = {n for n, _, _ in s}
            assert not [n for n in names if n.endswith("_created")]
            contract_names = {
                n
                for m in CONTRACT.metrics
                for n in ([f"{m.name}_bucket", f"{m.name}_sum", f"{m.name}_count"] if m.type == "histogram" else [m.name])
            }
            assert names == contract_names
    finally:
        stop(proc)
    # A graceful shutdown removed each worker's live-gauge files (mark_process_dead on lifespan shutdown), so a
    # restarted worker's pool size and in-flight count are not added to the new one's; counters stay.
    assert proc.returncode == 0, proc.stdout.read().decode() if proc.stdout else ""
    left = [os.path.basename(f) for f in glob.glob(str(mp_dir / "*.db"))]
    assert not [f for f in left if f.startswith("gauge_live")], left
    assert [f for f in left if f.startswith("counter_")]
