"""Bearer-token authentication of ``/metrics`` (the same rules as @greyhaven/metrics' ``auth``).

A ``MetricsApp`` (and so ``MetricsMiddleware``'s ``metrics_path``) with a token answers 401 to any request whose
``Authorization`` header is not ``Bearer <token>``; the comparison is ``hmac.compare_digest`` (constant time).
The token comes from ``auth=`` (a string, or a callable returning it), else from the environment:
``GREYHAVEN_METRICS_TOKEN``, or the file named by ``GREYHAVEN_METRICS_TOKEN_FILE`` (re-read at most every 10 s,
so a rotated secret is picked up). ``auth="none"`` is explicitly open. An empty or unreadable token file denies
every request rather than opening the endpoint.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from typing import Any, Callable, Mapping, Optional, Union

TOKEN_ENV = "GREYHAVEN_METRICS_TOKEN"
TOKEN_FILE_ENV = "GREYHAVEN_METRICS_TOKEN_FILE"

TokenSource = Union[str, Callable[[], Optional[str]]]


class _FileToken:
    def __init__(self, path: str, ttl: float = 10.0) -> None:
        self.path = path
        self.ttl = ttl
        self._lock = threading.Lock()
        self._value: Optional[str] = None
        self._at = 0.0

    def __call__(self) -> Optional[str]:
        now = time.monotonic()
        with self._lock:
            if self._value is None or now - self._at > self.ttl:
                with open(self.path, encoding="utf-8") as f:
                    self._value = f.read()
                self._at = now
            return self._value


def token_from_file(path: str, ttl: float = 10.0) -> Callable[[], Optional[str]]:
    """A token read from ``path``, cached for ``ttl`` seconds."""
    return _FileToken(path, ttl)


def auth_from_env(env: Optional[Mapping[str, str]] = None) -> Optional[TokenSource]:
    """The token source the environment names, or None (no token configured)."""
    e = os.environ if env is None else env
    token = e.get(TOKEN_ENV)
    if token:
        return token
    path = e.get(TOKEN_FILE_ENV)
    if path:
        return token_from_file(path)
    return None


class _Denied(Exception):
    pass


def _expected(auth: Any) -> Optional[bytes]:
    if auth is None or auth == "none":
        return None
    try:
        value = auth() if callable(auth) else auth
    except Exception as exc:  # unreadable token file: deny
        raise _Denied() from exc
    if value is None:
        return None
    value = value.rstrip("\r\n")
    if value == "":
        raise _Denied()
    return value.encode("utf-8")


def is_authorized(authorization: Optional[Union[str, bytes]], auth: Any) -> bool:
    """Whether a request with this ``Authorization`` header may read ``/metrics`` (``auth``: a token source,
    ``"none"`` or None)."""
    try:
        token = _expected(auth)
    except _Denied:
        return False
    if token is None:
        return True
    if authorization is None:
        return False
    raw = authorization if isinstance(authorization, bytes) else authorization.encode("utf-8", "surrogateescape")
    raw = raw.strip()
    scheme, _, presented = raw.partition(b" ")
    if scheme.lower() != b"bearer":
        return False
    return hmac.compare_digest(presented.strip(), token)


UNAUTHORIZED_HEADERS = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"www-authenticate", b'Bearer realm="metrics"'),
    (b"cache-control", b"no-store"),
]

__all__ = ["TOKEN_ENV", "TOKEN_FILE_ENV", "auth_from_env", "is_authorized", "token_from_file"]
