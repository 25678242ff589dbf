"""Test helpers: scrape an ASGI app or a URL and parse the exposition with prometheus_client's parsers."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from typing import Any, Coroutine, Dict, List, Optional, Tuple, TypeVar

import httpx
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(PYTHON_DIR)

OPENMETRICS_ACCEPT = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"

T = TypeVar("T")

Sample = Tuple[str, Dict[str, str], float]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def samples_of(body: str, openmetrics: bool = False) -> List[Sample]:
    families = parse_openmetrics(body) if openmetrics else parse_text(body)
    return [(s.name, dict(s.labels), s.value) for f in families for s in f.samples]


def find(samples: List[Sample], name: str, **labels: str) -> Optional[float]:
    """The value of the one sample named ``name`` whose labels include ``labels`` (None if absent)."""
    matches = [v for n, ls, v in samples if n == name and all(ls.get(k) == v2 for k, v2 in labels.items())]
    assert len(matches) <= 1, f"{len(matches)} samples match {name} {labels}"
    return matches[0] if matches else None


async def scrape_app(client: httpx.AsyncClient, openmetrics: bool = True) -> List[Sample]:
    r = await client.get("/metrics", headers={"accept": OPENMETRICS_ACCEPT if openmetrics else "text/plain"})
    assert r.status_code == 200
    return samples_of(r.text, openmetrics)


def client_for(app: Any, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


_TEST_PORTS_FROM = 10_000
_next_port: Optional[int] = None


def _ephemeral_from() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A free port for a server a test starts, below the kernel's ephemeral range.

    A port from ``bind(0)`` is an ephemeral one, which any outgoing connection may take as its source port before
    the server binds it; below that range only listeners compete, and taken ports are skipped. Like ghmon's
    ``freePort`` (packages/monitoring/src/stack/ports.ts): a sequence from a start spread by pid, never repeated
    until the range is used up.
    """
    global _next_port
    to = _ephemeral_from() - 1
    size = to - _TEST_PORTS_FROM + 1
    if size < 1000:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    if _next_port is None:
        _next_port = _TEST_PORTS_FROM + (os.getpid() * 7919) % size
    for _ in range(size):
        port = _next_port
        _next_port = _TEST_PORTS_FROM if port >= to else port + 1
        if _is_free(port):
            return port
    raise RuntimeError("no free port below the ephemeral range")


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """Polls ``url`` until it answers (bounded); fails with the process output if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"server exited with {proc.returncode}:\n{out}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL to the process group the server was started in (so uvicorn's
    worker processes go too); servers here are started with ``start_new_session=True``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)


def clean_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir")}
    env.update(extra)
    return env
