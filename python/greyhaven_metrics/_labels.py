"""Label values: ``method`` normalisation, the path normaliser used when no route template is known, and
route sanitising. Ports of packages/metrics/src/core/labels.ts and exposition.ts (sanitizeLabelValue); the
normaliser's rules come from ``policy.json``. Both packages' tests run packages/contract/test-vectors/labels.json,
and python/contract.test.ts runs further inputs through both and compares.
"""

from __future__ import annotations

import re
from typing import Dict, Optional

from ._contract import CONTRACT, POLICY

#: ``method`` label values: the contract's HTTP methods, then its ``other`` value.
METHOD_VALUES = CONTRACT.http_methods + (CONTRACT.other_method,)
_METHODS: Dict[str, str] = {m: m for m in CONTRACT.http_methods}


def normalize_method(method: object) -> str:
    """The ``method`` label for a request method: a contract method (case-insensitive) or ``other``."""
    if not isinstance(method, str):
        return CONTRACT.other_method
    known = _METHODS.get(method)
    if known is not None:
        return known
    if len(method) > 16:
        return CONTRACT.other_method
    return _METHODS.get(method.upper(), CONTRACT.other_method)


def _placeholder(segment: str) -> Optional[str]:
    for rule in POLICY.segment_rules:
        if rule.pattern.fullmatch(segment):
            return rule.placeholder
    return None


def _collapse(path: str) -> str:
    if path == "":
        return POLICY.empty_path
    if not POLICY.only_if_path_matches.search(path):
        return path
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if segment:
            p = _placeholder(segment)
            if p is not None:
                segments[i] = p
    return "/".join(segments)


_CACHE_SIZE = 4096
_normalized: Dict[str, str] = {}


def normalize_path(path: str) -> str:
    """Collapses the variable parts of a path so a route with no template still has bounded cardinality, by the
    policy's rules (``policy.json``, the TypeScript package's PATH_NORMALISER): in a path with a digit,
    all-digit segments become ``:id``, UUIDs ``:uuid``, hex strings of 16+ characters ``:hash``, and
    letter-digit tokens of 20+ characters (``[A-Za-z0-9_-]``) ``:token``. The cardinality cap bounds what this
    cannot see."""
    cached = _normalized.get(path)
    if cached is not None:
        return cached
    result = _collapse(path)
    if len(_normalized) >= _CACHE_SIZE:
        _normalized.clear()
    _normalized[path] = result
    return result


# Control characters other than tab and line feed (escaping handles those), and lone surrogates (no UTF-8
# encoding: one would make the whole /metrics response fail to encode).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def sanitize_label_value(value: str, max_length: int) -> str:
    """Cuts ``value`` to ``max_length`` code points and replaces characters with no place in a label value
    with U+FFFD. Escaping is prometheus_client's job."""
    if len(value) > max_length:
        value = value[:max_length]
    return _UNSAFE.sub("\ufffd", value)
